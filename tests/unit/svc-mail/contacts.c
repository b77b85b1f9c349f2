/* Unit tests for svc-mail/contacts.c: a speaker's contact is kept for a while and no longer,
 * one entry per slot. */
#include "contacts.h"

#include "check.h"

static contact make(const char *email, const char *name)
{
    contact c;
    snprintf(c.email, sizeof c.email, "%s", email);
    snprintf(c.name, sizeof c.name, "%s", name);
    return c;
}

static void a_contact_is_kept_for_its_lifetime_and_no_longer(void)
{
    contact ann = make("ann@example.com", "Ann"), got;
    contacts_put(7, &ann, 1000);
    CHECK(contacts_find(7, 1000, &got));
    CHECK_STR_EQ(got.email, "ann@example.com");
    CHECK_STR_EQ(got.name, "Ann");
    CHECK(contacts_find(7, 1000 + CONTACTS_TTL_S - 1, &got));
    CHECK(!contacts_find(7, 1000 + CONTACTS_TTL_S, &got));
}

static void an_unknown_user_is_not_found(void)
{
    contact got;
    CHECK(!contacts_find(8, 1000, &got));
    CHECK(!contacts_find(0, 1000, &got));
}

static void a_newer_contact_replaces_the_old_one(void)
{
    contact old = make("bob@example.com", "Bob"), new = make("robert@example.com", "Robert"), got;
    contacts_put(9, &old, 2000);
    contacts_put(9, &new, 2001);
    CHECK(contacts_find(9, 2001 + CONTACTS_TTL_S - 1, &got));
    CHECK_STR_EQ(got.email, "robert@example.com");
    CHECK_STR_EQ(got.name, "Robert");
}

static void users_sharing_a_slot_evict_each_other(void)
{
    contact a = make("a@example.com", "A"), b = make("b@example.com", "B"), got;
    contacts_put(10, &a, 3000);
    contacts_put(10 + CONTACTS_SLOTS, &b, 3000);
    CHECK(!contacts_find(10, 3000, &got));
    CHECK(contacts_find(10 + CONTACTS_SLOTS, 3000, &got));
    CHECK_STR_EQ(got.email, "b@example.com");
}

static const check_case cases[] = {
    {"a_contact_is_kept_for_its_lifetime_and_no_longer",
     a_contact_is_kept_for_its_lifetime_and_no_longer},
    {"an_unknown_user_is_not_found", an_unknown_user_is_not_found},
    {"a_newer_contact_replaces_the_old_one", a_newer_contact_replaces_the_old_one},
    {"users_sharing_a_slot_evict_each_other", users_sharing_a_slot_evict_each_other},
};

CHECK_MAIN("mail-contacts", cases)

/* Unit tests for gateway/trusted_proxy.c: TALKS_TRUSTED_PROXY as addresses and CIDR blocks. */
#include <string.h>

#include "../check.h"
#include "../../../gateway/trusted_proxy.h"

static bool init(const char *setting)
{
    char err[200] = "";
    return trusted_proxy_init(setting, err, sizeof err) == 0;
}

static void an_empty_setting_trusts_nobody(void)
{
    CHECK(init(""));
    CHECK(!trusted_proxy_is("127.0.0.1"));
    CHECK(init(" , "));
    CHECK(!trusted_proxy_is("127.0.0.1"));
}

static void a_single_address_trusts_only_itself(void)
{
    CHECK(init("10.0.0.5"));
    CHECK(trusted_proxy_is("10.0.0.5"));
    CHECK(!trusted_proxy_is("10.0.0.6"));
    CHECK(!trusted_proxy_is("::ffff:10.0.0.5")); /* another family is another address */
}

static void a_block_trusts_every_address_in_it(void)
{
    CHECK(init("172.16.0.0/12"));
    CHECK(trusted_proxy_is("172.16.0.1"));
    CHECK(trusted_proxy_is("172.18.0.1"));
    CHECK(trusted_proxy_is("172.31.255.255"));
    CHECK(!trusted_proxy_is("172.32.0.1"));
    CHECK(!trusted_proxy_is("172.15.255.255"));
    CHECK(init("0.0.0.0/0"));
    CHECK(trusted_proxy_is("203.0.113.9"));
    CHECK(!trusted_proxy_is("2001:db8::1"));
}

static void ipv6_blocks_and_lists_work(void)
{
    CHECK(init("10.0.0.5, fd00::/8,2001:db8:1::/48"));
    CHECK(trusted_proxy_is("10.0.0.5"));
    CHECK(trusted_proxy_is("fd12:3456::1"));
    CHECK(trusted_proxy_is("2001:db8:1:ffff::1"));
    CHECK(!trusted_proxy_is("2001:db8:2::1"));
    CHECK(!trusted_proxy_is("fe80::1"));
}

static void bad_entries_are_refused_with_the_setting_named(void)
{
    const char *bad[] = {"localhost",   "10.0.0.0/33", "10.0.0.0/",   "10.0.0.0/-1",
                         "10.0.0.0/8x", "fd00::/129",  "1.2.3.4,foo", "10.0.0.300"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[200] = "";
        CHECK(trusted_proxy_init(bad[i], err, sizeof err) != 0);
        CHECK(strstr(err, "TALKS_TRUSTED_PROXY") != NULL);
    }
    char many[400] = "";
    for (int i = 0; i <= TRUSTED_PROXY_MAX; i++) strcat(many, "10.0.0.1,");
    CHECK(!init(many));
}

static void peers_that_are_not_addresses_are_not_trusted(void)
{
    CHECK(init("0.0.0.0/0, ::/0"));
    CHECK(!trusted_proxy_is(""));
    CHECK(!trusted_proxy_is("unix"));
}

static const check_case cases[] = {
    CASE(an_empty_setting_trusts_nobody),
    CASE(a_single_address_trusts_only_itself),
    CASE(a_block_trusts_every_address_in_it),
    CASE(ipv6_blocks_and_lists_work),
    CASE(bad_entries_are_refused_with_the_setting_named),
    CASE(peers_that_are_not_addresses_are_not_trusted),
};

CHECK_MAIN("trusted-proxy", cases)

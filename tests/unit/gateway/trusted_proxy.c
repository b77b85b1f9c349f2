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

/* ---- trusted_proxy_client: X-Forwarded-For over one or several lines ---- */

/* The client for peer and the X-Forwarded-For lines (NULL-terminated), or "" when the peer
 * stays the client. */
static const char *client_of(const char *peer, const char *const *lines)
{
    static char out[64];
    tp_str l[8];
    size_t n = 0;
    for (; lines[n]; n++) l[n] = (tp_str){lines[n], strlen(lines[n])};
    strcpy(out, "untouched");
    if (!trusted_proxy_client(peer, l, n, out, sizeof out)) {
        CHECK(strcmp(out, "untouched") == 0);
        return "";
    }
    return out;
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void a_line_sent_before_the_proxys_own_is_not_believed(void)
{
    /* HAProxy's option forwardfor adds its own line after whatever the client sent. */
    CHECK(init("127.0.0.1"));
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("203.0.113.66", "198.51.100.7")), "198.51.100.7");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("203.0.113.66, 192.0.2.1", "198.51.100.7")),
                 "198.51.100.7");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("", "198.51.100.7")), "198.51.100.7");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("garbage", "198.51.100.7")), "198.51.100.7");
}

static void the_last_hop_of_one_line_is_the_client(void)
{
    CHECK(init("127.0.0.1"));
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("198.51.100.1, 203.0.113.7")), "203.0.113.7");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES(" 203.0.113.7 ")), "203.0.113.7");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("198.51.100.1,\t203.0.113.7\t")), "203.0.113.7");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("2001:db8::7")), "2001:db8::7");
}

static void hops_that_are_trusted_proxies_are_walked_past(void)
{
    CHECK(init("127.0.0.1, 10.0.0.0/8"));
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("203.0.113.66, 198.51.100.7, 10.0.0.2")),
                 "198.51.100.7");
    CHECK_STR_EQ(
        client_of("127.0.0.1", LINES("203.0.113.66", "198.51.100.7, 10.0.0.2", "10.1.2.3")),
        "198.51.100.7");
    /* Every hop a proxy: the leftmost is the client. */
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("10.0.0.9", "10.0.0.2")), "10.0.0.9");
    /* A hop that is no address ends the walk: the proxy right of it saw the client. */
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("unknown, 10.0.0.2")), "10.0.0.2");
}

static void a_header_naming_nobody_leaves_the_peer(void)
{
    CHECK(init("127.0.0.1"));
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("")), "");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES(" , ,")), "");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("198.51.100.1, unknown")), "");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("198.51.100.1:4711")), "");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("[2001:db8::7]")), "");
    CHECK(!trusted_proxy_client("127.0.0.1", NULL, 0, (char[64]){0}, 64));
    char long_hop[200];
    memset(long_hop, '1', sizeof long_hop - 1);
    long_hop[sizeof long_hop - 1] = '\0';
    CHECK_STR_EQ(client_of("127.0.0.1", LINES(long_hop)), "");
}

static void only_a_trusted_peer_is_believed(void)
{
    CHECK(init("10.0.0.5"));
    CHECK_STR_EQ(client_of("10.0.0.6", LINES("203.0.113.7")), "");
    CHECK_STR_EQ(client_of("", LINES("203.0.113.7")), "");
    CHECK(init(""));
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("203.0.113.7")), "");
}

static void an_address_is_given_in_its_canonical_form(void)
{
    /* One address, one throttle key, however it was written. */
    CHECK(init("127.0.0.1"));
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("2001:DB8:0:0::7")), "2001:db8::7");
    CHECK_STR_EQ(client_of("127.0.0.1", LINES("2001:db8:0000::0007")), "2001:db8::7");
}

static const check_case cases[] = {
    CASE(an_empty_setting_trusts_nobody),
    CASE(a_single_address_trusts_only_itself),
    CASE(a_block_trusts_every_address_in_it),
    CASE(ipv6_blocks_and_lists_work),
    CASE(bad_entries_are_refused_with_the_setting_named),
    CASE(peers_that_are_not_addresses_are_not_trusted),
    CASE(a_line_sent_before_the_proxys_own_is_not_believed),
    CASE(the_last_hop_of_one_line_is_the_client),
    CASE(hops_that_are_trusted_proxies_are_walked_past),
    CASE(a_header_naming_nobody_leaves_the_peer),
    CASE(only_a_trusted_peer_is_believed),
    CASE(an_address_is_given_in_its_canonical_form),
};

CHECK_MAIN("trusted-proxy", cases)

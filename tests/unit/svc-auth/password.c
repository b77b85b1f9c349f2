/* Unit tests for svc-auth/password.c: Argon2id round trips, and the property login relies on: an
 * unknown email (no hash) costs as much time as a wrong password, so timing tells nothing. */
#include "password.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../check.h"

#define LIT(s) s, sizeof(s) - 1

static void init_once(void)
{
    static bool done;
    if (done) return;
    char err[128];
    if (sodium_init() < 0 || password_init(err, sizeof err) != 0) abort();
    done = true;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void hash_is_an_argon2id_string_that_verifies(void)
{
    init_once();
    char hash[crypto_pwhash_STRBYTES];
    CHECK(password_hash(LIT("correct horse battery staple"), hash) == 0);
    CHECK(memchr(hash, '\0', sizeof hash) != NULL);
    CHECK(strncmp(hash, "$argon2id$", 10) == 0);
    CHECK(password_verify(hash, LIT("correct horse battery staple")));
}

static void wrong_password_does_not_verify(void)
{
    init_once();
    char hash[crypto_pwhash_STRBYTES];
    CHECK(password_hash(LIT("correct horse battery staple"), hash) == 0);
    CHECK(!password_verify(hash, LIT("correct horse battery stapl")));
    CHECK(!password_verify(hash, LIT("correct horse battery staple!")));
    CHECK(!password_verify(hash, LIT("Correct horse battery staple")));
    CHECK(!password_verify(hash, "", 0));
}

static void same_password_hashes_differently_each_time(void)
{
    init_once();
    char a[crypto_pwhash_STRBYTES], b[crypto_pwhash_STRBYTES];
    CHECK(password_hash(LIT("p\xc3\xa4ssw\xc3\xb6rd"), a) == 0);
    CHECK(password_hash(LIT("p\xc3\xa4ssw\xc3\xb6rd"), b) == 0);
    CHECK(strcmp(a, b) != 0); /* random salt */
    CHECK(password_verify(a, LIT("p\xc3\xa4ssw\xc3\xb6rd")));
    CHECK(password_verify(b, LIT("p\xc3\xa4ssw\xc3\xb6rd")));
}

static void password_length_is_given_not_taken_from_a_nul(void)
{
    init_once();
    char hash[crypto_pwhash_STRBYTES];
    CHECK(password_hash(LIT("abc\0def"), hash) == 0);
    CHECK(password_verify(hash, LIT("abc\0def")));
    CHECK(!password_verify(hash, LIT("abc")));
}

static void verify_without_a_hash_is_false(void)
{
    init_once();
    CHECK(!password_verify(NULL, LIT("correct horse battery staple")));
    CHECK(!password_verify(NULL, "", 0));
}

static void verify_against_a_malformed_hash_is_false(void)
{
    init_once();
    CHECK(!password_verify("", LIT("x")));
    CHECK(!password_verify("not a hash", LIT("x")));
    CHECK(!password_verify("$argon2id$v=19$m=65536,t=2,p=1$", LIT("x")));
}

/* Median of three timings of password_verify(hash, wrong password). */
static double verify_time(const char *hash)
{
    double t[3];
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        bool ok = password_verify(hash, LIT("not the password"));
        t[i] = now_s() - t0;
        CHECK(!ok);
    }
    double lo = t[0] < t[1] ? t[0] : t[1], hi = t[0] < t[1] ? t[1] : t[0];
    return t[2] < lo ? lo : t[2] > hi ? hi : t[2];
}

static void verify_without_a_hash_takes_as_long_as_a_wrong_password(void)
{
    init_once();
    char hash[crypto_pwhash_STRBYTES];
    CHECK(password_hash(LIT("correct horse battery staple"), hash) == 0);
    double known = verify_time(hash), unknown = verify_time(NULL);
    double ratio = unknown / known;
    fprintf(stderr, "  wrong password %.1f ms, no user %.1f ms (ratio %.2f)\n", known * 1e3,
            unknown * 1e3, ratio);
    CHECK(known > 0.001); /* a real Argon2id verification, not a shortcut */
    CHECK(ratio > 0.3 && ratio < 3.0);
}

#define CASE(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
static const check_case cases[] = {
    CASE(hash_is_an_argon2id_string_that_verifies),
    CASE(wrong_password_does_not_verify),
    CASE(same_password_hashes_differently_each_time),
    CASE(password_length_is_given_not_taken_from_a_nul),
    CASE(verify_without_a_hash_is_false),
    CASE(verify_against_a_malformed_hash_is_false),
    CASE(verify_without_a_hash_takes_as_long_as_a_wrong_password),
};

CHECK_MAIN("password", cases)

/* Unit tests for svc-auth/werkzeug.c: hashes made by Python's hashlib.pbkdf2_hmac in Werkzeug's
 * format verify, anything else is refused, and the format's bounds hold. */
#include "werkzeug.h"

#include <string.h>

#include "../check.h"

#define SHA1_HASH "pbkdf2:sha1:1000$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a"
#define SHA256_HASH                                                                                \
    "pbkdf2:sha256:260000$0123456789abcdef$"                                                       \
    "2a172ea458e668ebaab257f75403f400d1a8f321291e95b7073394dd5c4c3a9b"
#define SHA512_HASH                                                                                \
    "pbkdf2:sha512:1$S$3f94536f8e81b3a4e1823d4c121478cf574ecb371b2d32c6e953da3ba00181bfa22a82c3ae" \
    "e6b1a65f20970a1d51d6dd898181c2c625d9dbf37361fe59bf5862"

#define LIT(s) s, sizeof(s) - 1

static void hashes_python_made_verify(void)
{
    CHECK(werkzeug_verify(SHA1_HASH, LIT("correct horse")));
    CHECK(werkzeug_verify(SHA256_HASH, LIT("p\xc3\xa4ssw\xc3\xb6rd")));
    CHECK(werkzeug_verify(SHA512_HASH, LIT("x")));
}

static void a_wrong_password_does_not_verify(void)
{
    CHECK(!werkzeug_verify(SHA1_HASH, LIT("correct horse!")));
    CHECK(!werkzeug_verify(SHA1_HASH, LIT("correct hors")));
    CHECK(!werkzeug_verify(SHA1_HASH, "", 0));
    CHECK(!werkzeug_verify(SHA256_HASH, LIT("passwort")));
}

static void the_format_is_checked(void)
{
    CHECK(werkzeug_hash_valid(LIT(SHA1_HASH)));
    CHECK(werkzeug_hash_valid(LIT(SHA256_HASH)));
    CHECK(werkzeug_hash_valid(LIT(SHA512_HASH)));
    static const char *const bad[] = {
        "",
        "pbkdf2:sha1$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a",         /* no iterations */
        "pbkdf2:sha1:0$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a",       /* zero */
        "pbkdf2:sha1:01000$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a",   /* leading zero */
        "pbkdf2:sha1:5000001$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a", /* over the cap */
        "pbkdf2:md5:1000$Xy12abCD$7e79882a9a12dde90b7737b5e0341434",
        "pbkdf2:sha1:1000$$7e79882a9a12dde90b7737b5e0341434eaee676a",           /* no salt */
        "pbkdf2:sha1:1000$Xy-2abCD$7e79882a9a12dde90b7737b5e0341434eaee676a",   /* salt charset */
        "pbkdf2:sha1:1000$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676",    /* short digest */
        "pbkdf2:sha1:1000$Xy12abCD$7E79882A9A12DDE90B7737B5E0341434EAEE676A",   /* upper case */
        "pbkdf2:sha256:1000$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a", /* sha1 length */
        "scrypt:32768:8:1$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a",
        "sha1$Xy12abCD$7e79882a9a12dde90b7737b5e0341434eaee676a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!werkzeug_hash_valid(bad[i], strlen(bad[i])));
        CHECK(!werkzeug_verify(bad[i], LIT("correct horse")));
    }
}

static const check_case cases[] = {
    CASE(hashes_python_made_verify),
    CASE(a_wrong_password_does_not_verify),
    CASE(the_format_is_checked),
};

CHECK_MAIN("werkzeug", cases)

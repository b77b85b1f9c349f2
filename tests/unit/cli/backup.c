/* Unit tests for cli/backup.c: the names of backup folders and the rotation that keeps the
 * newest N of them (and nothing else is touched). */
#include "backup.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"

static char root[64];

static void make_root(void)
{
    snprintf(root, sizeof root, "/tmp/talks-rotate-test.XXXXXX");
    if (!mkdtemp(root)) abort();
}

static void remove_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

static bool exists(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, name);
    return access(path, F_OK) == 0;
}

/* A backup folder as talksctl leaves one: two databases and the manifest. */
static void make_backup(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, name);
    CHECK(mkdir(path, 0700) == 0);
    static const char *const files[] = {"auth.db", "talks.db", "manifest.json"};
    for (int i = 0; i < 3; i++) {
        char file[320];
        snprintf(file, sizeof file, "%s/%s", path, files[i]);
        FILE *f = fopen(file, "w");
        CHECK(f != NULL);
        if (f) fclose(f);
    }
}

static void only_timestamps_name_backups(void)
{
    CHECK(backup_is_stamp("20250102T030405Z"));
    CHECK(backup_is_stamp("19991231T235959Z"));
    static const char *const not_stamps[] = {
        "20250102T030405",
        "20250102T030405Z.partial",
        "2025-01-02T030405Z",
        "20250102t030405Z",
        "20250102T030405z",
        "2025010xT030405Z",
        "",
        "x",
        "20250102T0304051Z",
        "20250102 030405Z",
    };
    for (size_t i = 0; i < sizeof not_stamps / sizeof not_stamps[0]; i++)
        CHECK(!backup_is_stamp(not_stamps[i]));
}

static void rotation_keeps_the_newest_and_touches_nothing_else(void)
{
    make_root();
    static const char *const backups[] = {"20240101T000000Z", "20250101T000000Z",
                                          "20231231T235959Z", "20250101T000001Z",
                                          "20240615T120000Z"};
    for (int i = 0; i < 5; i++) make_backup(backups[i]);
    make_backup("20200101T000000Z.partial"); /* a backup that did not finish: not ours to judge */
    make_backup("notes");
    char path[256];
    snprintf(path, sizeof path, "%s/20190101T000000Z", root); /* a file named like a backup */
    FILE *f = fopen(path, "w");
    fclose(f);
    char err[512];
    int removed = -1;
    CHECK(backup_rotate(root, 3, "20250101T000001Z", &removed, err, sizeof err) == 0);
    CHECK(removed == 2);
    CHECK(!exists("20231231T235959Z") && !exists("20240101T000000Z"));
    CHECK(exists("20240615T120000Z") && exists("20250101T000000Z") && exists("20250101T000001Z"));
    CHECK(exists("20200101T000000Z.partial") && exists("notes") && exists("20190101T000000Z"));
    CHECK(exists("notes/auth.db"));

    /* Again: nothing more to do. */
    CHECK(backup_rotate(root, 3, NULL, &removed, err, sizeof err) == 0 && removed == 0);
    /* --keep 1: the newest only. */
    CHECK(backup_rotate(root, 1, NULL, &removed, err, sizeof err) == 0 && removed == 2);
    CHECK(exists("20250101T000001Z") && !exists("20250101T000000Z"));
    remove_root();
}

/* The backup just made is kept even when a clock set back makes it look the oldest. */
static void the_backup_just_made_is_always_kept(void)
{
    make_root();
    make_backup("20300101T000000Z");
    make_backup("20300102T000000Z");
    make_backup("20250101T000000Z"); /* just made, after the clock went back */
    char err[512];
    int removed = -1;
    CHECK(backup_rotate(root, 1, "20250101T000000Z", &removed, err, sizeof err) == 0);
    CHECK(removed == 1 && exists("20250101T000000Z") && exists("20300102T000000Z"));
    CHECK(!exists("20300101T000000Z"));
    remove_root();
}

/* A folder inside a backup is not something a backup makes: rotation stops and says so, and
 * what it could not remove is no longer named as a backup. */
static void rotation_refuses_a_backup_holding_a_folder(void)
{
    make_root();
    make_backup("20240101T000000Z");
    make_backup("20250101T000000Z");
    char path[256];
    snprintf(path, sizeof path, "%s/20240101T000000Z/extra", root);
    CHECK(mkdir(path, 0700) == 0);
    char err[512] = "";
    int removed = -1;
    CHECK(backup_rotate(root, 1, NULL, &removed, err, sizeof err) == -1);
    CHECK(strstr(err, "extra") != NULL);
    /* What is left is no longer named as a backup. */
    CHECK(!exists("20240101T000000Z") && exists("20240101T000000Z.removing/extra"));
    CHECK(exists("20250101T000000Z"));
    remove_root();
}

static void services_are_copied_in_dependency_order(void)
{
    /* Each database before those it refers to: mail's cursor → comments → talks and users. */
    CHECK_STR_EQ(backup_services[0].file, "mail.db");
    CHECK_STR_EQ(backup_services[1].file, "comments.db");
    CHECK_STR_EQ(backup_services[2].file, "talks.db");
    CHECK_STR_EQ(backup_services[3].file, "auth.db");
    CHECK(backup_service_named("auth", 4) == &backup_services[3]);
    CHECK(backup_service_named("aut", 3) == NULL && backup_service_named("gateway", 7) == NULL);
}

static const check_case cases[] = {
    CASE(only_timestamps_name_backups),
    CASE(rotation_keeps_the_newest_and_touches_nothing_else),
    CASE(the_backup_just_made_is_always_kept),
    CASE(rotation_refuses_a_backup_holding_a_folder),
    CASE(services_are_copied_in_dependency_order),
};

CHECK_MAIN("backup", cases)

/* config: `talksctl config` prints the settings in effect — each one's value and where it came
 * from (its default, ./.env or the environment), the secrets only as set or unset — and the
 * TALKS_* variables that are no setting; `talksctl config --doc` prints the table the README's
 * configuration section copies (meaning and default). Both come from tp_config.h's one table. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "tp_config.h"

static void print_doc(void)
{
    printf("| variable | meaning | default |\n|---|---|---|\n");
    for (int i = 0; i < TP_SETTING_COUNT; i++)
        printf("| `%s` | %s | %s%s%s |\n", tp_config_name(i), tp_config_doc(i),
               *tp_config_default(i) ? "`" : "—", tp_config_default(i),
               *tp_config_default(i) ? "`" : "");
}

/* One line a setting: name, source, value (addresses with ${TALKS_DATA_DIR} filled in). */
static void print_in_effect(void)
{
    printf("%-24s %-12s %s\n", "setting", "from", "value");
    for (int i = 0; i < TP_SETTING_COUNT; i++) {
        enum tp_setting s = (enum tp_setting)i;
        char value[1024];
        if (tp_config_is_secret(s))
            snprintf(value, sizeof value, "%s", *tp_config_get(s) ? "(set)" : "(unset)");
        else if (tp_config_addr(s, value, sizeof value) != 0)
            snprintf(value, sizeof value, "%.1000s...", tp_config_get(s));
        else if (!*value)
            snprintf(value, sizeof value, "(empty)");
        printf("%-24s %-12s %s\n", tp_config_name(s), tp_config_source_name(tp_config_source(s)),
               value);
    }
    const tp_config_unknown *u;
    size_t n = tp_config_unknowns(&u);
    for (size_t i = 0; i < n; i++)
        printf("%-24s %-12s (not a setting: ignored%s%s%s)\n", u[i].name,
               tp_config_source_name(u[i].where), u[i].suggestion ? "; did you mean " : "",
               u[i].suggestion ? u[i].suggestion : "", u[i].suggestion ? "?" : "");
}

int cmd_config(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--doc") == 0) {
        print_doc();
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", CONFIG_USAGE);
        return 1;
    }
    print_in_effect();
    return 0;
}

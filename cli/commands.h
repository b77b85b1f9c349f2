/* commands: talksctl's commands, each in its own file; main.c's table lists them. */
#ifndef COMMANDS_H
#define COMMANDS_H

#define ADDUSER_USAGE   "adduser [--admin] [--password-stdin] EMAIL USERNAME"
#define SEED_USAGE      "seed [--users N] [--talks N] [--comments N] [--bulk]"
#define CONFIG_USAGE    "config [--doc]"
#define BUS_CERTS_USAGE "bus-certs DIR"
#define RUN_USAGE       "run"
#define BACKUP_USAGE    "backup DIR [--keep N] [--only SERVICES]"
#define RESTORE_USAGE   "restore DIR/TIMESTAMP"
#define PASSWD_USAGE    "passwd [--password-stdin] EMAIL"
#define PING_USAGE      "ping [SERVICE...]"

#define EXPORT_USAGE       "export FILE"
#define IMPORT_USAGE       "import FILE"
#define IMPORT_FLASK_USAGE "import-flask DB"

int cmd_adduser(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_bus_certs(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_import_flask(int argc, char **argv);
int cmd_passwd(int argc, char **argv);
int cmd_ping(int argc, char **argv);

#endif

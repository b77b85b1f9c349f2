"""A real SMTP server for the mail tests: Debian's aiosmtpd, storing every accepted message in a
Maildir, started and stopped by pid on a port of the test's own."""
import mailbox
import os
import socket
import subprocess

from stack import free_ports, wait_until

PYTHON = "/usr/bin/python3"  # Debian's, where python3-aiosmtpd is installed


class SmtpSink:
    def __init__(self, directory):
        self.dir = str(directory)
        self.maildir = os.path.join(self.dir, "maildir")
        self.port = free_ports(1)[0]
        self.proc = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        log = open(os.path.join(self.dir, "smtp.log"), "ab")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", self.maildir],
            stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._accepts, 10, "the SMTP server to accept connections")

    def _accepts(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def messages(self):
        if not os.path.isdir(self.maildir):
            return []
        box = mailbox.Maildir(self.maildir, create=False)
        return sorted(box, key=lambda m: m.get("Date", ""))

    def to(self, address):
        return [m for m in self.messages() if address in m.get("To", "")]

    def wait_for(self, count, timeout=15):
        wait_until(lambda: len(self.messages()) >= count, timeout, f"{count} mails to arrive")
        return self.messages()

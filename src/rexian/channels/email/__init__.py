"""The e-mail channel: an IMAP mailbox polled into orders, replies threaded back by SMTP."""

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl: the caller's side of a terminal session: raw mode, the relay, the window size. */

/*
 * The command's terminal lives in the target; nsctl holds its master and copies bytes
 * between it and its own stdin and stdout, nothing else: keys such as Ctrl-C and Ctrl-Z
 * are bytes that the terminal in the target turns into signals for its foreground job.
 * For that the caller's terminal is put in raw mode, and it must come back the way it
 * was on every way out of nsctl: the normal return (tty_raw_leave()), exit() (atexit),
 * and the signals that would end nsctl (a handler that restores, then dies of the
 * signal). The signals nsctl forwards to the command (SIGINT, SIGTERM, SIGHUP, SIGQUIT)
 * are blocked and read from a signalfd, so they never end nsctl while it is raw.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "client/client.h"
#include "protocol/cleanup.h"

/* The terminal in raw mode and how it was before; process-wide for atexit and handlers. */
static struct {
	int fd;
	struct termios saved;
	volatile sig_atomic_t raw;
	bool hooks_installed;
} term = { .fd = -1 };

/* Signals whose default action would end nsctl with its terminal raw. */
static const int fatal_signals[] = {
	SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ,
	SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS, SIGTRAP,
};

/* Async-signal-safe: tcsetattr() is, and nothing else is called. */
static void restore_terminal(void)
{
	if (!term.raw)
		return;
	term.raw = 0;
	(void)tcsetattr(term.fd, TCSADRAIN, &term.saved);
}

static void on_fatal_signal(int sig)
{
	int saved = errno;

	restore_terminal();
	/* SA_RESETHAND made the default action current: this ends nsctl once we return. */
	(void)raise(sig);
	errno = saved;
}

static int install_hooks(void)
{
	struct sigaction sa = { .sa_handler = on_fatal_signal, .sa_flags = SA_RESETHAND };

	if (term.hooks_installed)
		return 0;
	if (atexit(restore_terminal) != 0)
		return -ENOMEM;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(fatal_signals); i++)
		if (sigaction(fatal_signals[i], &sa, NULL) < 0)
			return -errno;
	term.hooks_installed = true;
	return 0;
}

int tty_raw_enter(int fd)
{
	struct termios raw;
	int r;

	if (term.raw)
		return -EBUSY;
	if (tcgetattr(fd, &term.saved) < 0)
		return -errno;
	r = install_hooks();
	if (r < 0)
		return r;
	raw = term.saved;
	cfmakeraw(&raw);
	term.fd = fd;
	/* Raw before the change: a signal in between restores what is still the same. */
	term.raw = 1;
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0) {
		r = -errno;
		term.raw = 0;
		return r;
	}
	return 0;
}

void tty_raw_leave(void)
{
	restore_terminal();
}

const char *tty_log_eol(void)
{
	/* Raw mode has no output processing: a bare \n would not return the carriage. */
	return term.raw && isatty(STDERR_FILENO) ? "\r\n" : "\n";
}

int tty_window_get(struct winsize *ret)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return -errno;
	if (ws.ws_row == 0 || ws.ws_col == 0)
		return -ENODATA; /* a terminal that does not know its size */
	*ret = ws;
	return 0;
}

int tty_relay_init(struct tty_relay *t, int master, int in, int out)
{
	int flags = fcntl(master, F_GETFL);

	/* Ours alone, so non-blocking is safe; the caller's stdin and stdout stay as they are. */
	if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	*t = (struct tty_relay){
		.master = master, .in = in, .out = out,
		.in_open = true, .master_readable = true, .master_writable = true, .out_open = true,
	};
	return 0;
}

void tty_relay_done(struct tty_relay *t)
{
	t->master = safe_close(t->master);
}

void tty_relay_resize(struct tty_relay *t)
{
	struct winsize ws;

	/* The kernel sends SIGWINCH to the terminal's foreground job when the size changes. */
	if (t->master >= 0 && tty_window_get(&ws) == 0)
		(void)ioctl(t->master, TIOCSWINSZ, &ws);
}

static bool buf_empty(const struct tty_buf *b)
{
	return b->off == b->len;
}

void tty_relay_poll(const struct tty_relay *t, struct pollfd p[3])
{
	short master_events = 0;

	/* One chunk in flight each way: read more only once the last one is written. */
	p[0] = (struct pollfd){ .fd = -1, .events = POLLIN };
	if (t->in_open && t->master_writable && buf_empty(&t->to_master) && !t->eof_pending)
		p[0].fd = t->in;
	if (t->master_readable && buf_empty(&t->to_out))
		master_events |= POLLIN;
	if (t->master_writable && (!buf_empty(&t->to_master) || t->eof_pending))
		master_events |= POLLOUT;
	p[1] = (struct pollfd){ .fd = master_events ? t->master : -1, .events = master_events };
	p[2] = (struct pollfd){ .fd = buf_empty(&t->to_out) ? -1 : t->out, .events = POLLOUT };
}

/* One read of fd into b (empty); 1 with data, 0 at its end, -EAGAIN. */
static int buf_fill(struct tty_buf *b, int fd)
{
	ssize_t n;

	do
		n = read(fd, b->data, sizeof(b->data));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return -EAGAIN;
	if (n <= 0)
		return 0; /* EOF, or EIO: the other side of a terminal has gone */
	b->off = 0;
	b->len = (size_t)n;
	return 1;
}

/* One write of what b holds to fd; 0, -EAGAIN, or -errno when fd takes no more. */
static int buf_flush(struct tty_buf *b, int fd)
{
	ssize_t n;

	do
		n = write(fd, b->data + b->off, b->len - b->off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	b->off += (size_t)n;
	return 0;
}

/*
 * Our stdin has ended (a pipe given to -t). A terminal has no end of input of its own:
 * like script(1), type the terminal's EOF character if it reads lines, so that a shell
 * reading them sees its input end.
 */
static void send_eof(struct tty_relay *t)
{
	struct termios tio;
	ssize_t n;

	if (tcgetattr(t->master, &tio) < 0 || !(tio.c_lflag & ICANON)) {
		t->eof_pending = false;
		return;
	}
	n = write(t->master, &tio.c_cc[VEOF], 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return; /* again when the master takes it */
	t->eof_pending = false;
}

static void master_read(struct tty_relay *t)
{
	int r = buf_fill(&t->to_out, t->master);

	if (r == 0)
		t->master_readable = false;
	else if (r > 0 && !t->out_open)
		t->to_out.off = t->to_out.len; /* nowhere to show it: drop, keep the command going */
}

static void master_write(struct tty_relay *t)
{
	if (!buf_empty(&t->to_master)) {
		int r = buf_flush(&t->to_master, t->master);

		if (r < 0 && r != -EAGAIN) {
			t->master_writable = false;
			t->to_master.off = t->to_master.len;
		}
	}
	if (buf_empty(&t->to_master) && t->eof_pending)
		send_eof(t);
}

static void out_write(struct tty_relay *t)
{
	int r = buf_flush(&t->to_out, t->out);

	if (r < 0 && r != -EAGAIN) {
		/* Our stdout is gone: go on reading the command's output, and drop it. */
		t->out_open = false;
		t->to_out.off = t->to_out.len;
	}
}

void tty_relay_handle(struct tty_relay *t, const struct pollfd p[3])
{
	if (p[0].fd >= 0 && p[0].revents) {
		int r = buf_fill(&t->to_master, t->in);

		if (r == 0) {
			t->in_open = false;
			t->eof_pending = true;
		}
	}
	if (p[1].fd >= 0 && (p[1].revents & POLLOUT))
		master_write(t);
	if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && buf_empty(&t->to_out))
		master_read(t);
	if (p[2].fd >= 0 && p[2].revents)
		out_write(t);
}

bool tty_relay_finished(const struct tty_relay *t)
{
	return !t->master_readable && buf_empty(&t->to_out);
}

void tty_relay_drain(struct tty_relay *t)
{
	/*
	 * The command has ended; what it wrote is in the terminal (a read waits for the
	 * kernel's pending buffer work). Stop at EAGAIN: a background job may still hold the
	 * terminal open, and nsctl does not wait for it.
	 */
	for (;;) {
		struct pollfd p = { .fd = t->out, .events = POLLOUT };

		if (!buf_empty(&t->to_out)) {
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return;
			out_write(t);
			continue;
		}
		if (!t->master_readable || buf_fill(&t->to_out, t->master) <= 0)
			return;
		if (!t->out_open)
			t->to_out.off = t->to_out.len;
	}
}

#ifndef C_SYSTEM_SHIMS_H
#define C_SYSTEM_SHIMS_H

// Linux calls that Swift's Glibc module does not export (they need _GNU_SOURCE).

/// pipe2(fds, O_CLOEXEC). Returns 0 or -1 with errno set.
int switchboard_pipe_cloexec(int fds[2]);

/// A non-blocking, close-on-exec eventfd, or -1 with errno set.
int switchboard_eventfd(void);

/// Names the calling thread (at most 15 characters are kept).
void switchboard_set_thread_name(const char *name);

#endif

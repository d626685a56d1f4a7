/* Baseline for the stdio benchmark: newline JSON round trips over a pipe with no MCP client at
 * all, against the same stub server. Prints one JSON line: calls_per_s, p50_us, p99_us.
 * usage: raw_pipe_rtt SERVER [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: raw_pipe_rtt SERVER [N]\n"); return 2; }
    int n = argc > 2 ? atoi(argv[2]) : 20000;
    int to_server[2], from_server[2];
    if (pipe(to_server) || pipe(from_server)) { perror("pipe"); return 1; }
    if (fork() == 0) {
        dup2(to_server[0], 0);
        dup2(from_server[1], 1);
        close(to_server[1]);
        close(from_server[0]);
        execl(argv[1], argv[1], (char *)NULL);
        _exit(127);
    }
    close(to_server[0]);
    close(from_server[1]);
    const char *request = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}\n";
    size_t length = strlen(request);
    double *latencies = malloc(sizeof(double) * n);
    char buffer[4096];
    double start = now_us();
    for (int i = 0; i < n; i++) {
        double before = now_us();
        if (write(to_server[1], request, length) != (ssize_t)length) { perror("write"); return 1; }
        size_t have = 0;
        for (;;) {
            ssize_t got = read(from_server[0], buffer + have, sizeof buffer - have);
            if (got <= 0) { perror("read"); return 1; }
            have += got;
            if (buffer[have - 1] == '\n') break;
        }
        latencies[i] = now_us() - before;
    }
    double elapsed = now_us() - start;
    qsort(latencies, n, sizeof(double), cmp);
    printf("{\"calls_per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f}\n", n / (elapsed / 1e6), latencies[n / 2],
        latencies[(int)(n * 0.99)]);
    close(to_server[1]);
    return 0;
}

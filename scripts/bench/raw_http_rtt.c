#define _GNU_SOURCE
/* Baseline for the HTTP benchmark: raw HTTP/1.1 keep-alive POST round trips with no MCP client
 * at all, against the same stub server. Prints one JSON line: calls_per_s, p50_us, p99_us.
 * usage: raw_http_rtt PORT N */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
    if (argc < 3) { fprintf(stderr, "usage: raw_http_rtt PORT N\n"); return 2; }
    int port = atoi(argv[1]), n = atoi(argv[2]);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = inet_addr("127.0.0.1");
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}";
    char request[1024];
    int length = snprintf(request, sizeof request,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    double *latencies = malloc(sizeof(double) * n);
    char buffer[65536];
    double start = now_us();
    for (int i = 0; i < n; i++) {
        double before = now_us();
        if (write(fd, request, length) != length) { perror("write"); return 1; }
        size_t have = 0;
        long content = -1;
        char *header_end = NULL;
        for (;;) {
            ssize_t got = read(fd, buffer + have, sizeof buffer - have - 1);
            if (got <= 0) { perror("read"); return 1; }
            have += got;
            buffer[have] = 0;
            if (!header_end && (header_end = strstr(buffer, "\r\n\r\n"))) {
                char *cl = strcasestr(buffer, "Content-Length:");
                content = cl ? atol(cl + 15) : 0;
            }
            if (header_end && (long)(have - (header_end + 4 - buffer)) >= content) break;
        }
        latencies[i] = now_us() - before;
    }
    double elapsed = now_us() - start;
    qsort(latencies, n, sizeof(double), cmp);
    printf("{\"calls_per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f}\n", n / (elapsed / 1e6), latencies[n / 2],
        latencies[(int)(n * 0.99)]);
    return 0;
}

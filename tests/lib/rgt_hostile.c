/* rgt_hostile.c - see rgt_hostile.h. */

#include <string.h>

#include "rgt_hostile.h"


void
rgt_hostile_rules(FILE *f, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        fprintf(f, "- id: h.%zu\n  format: nginx-error\n"
                "  class: client_closed\n  match: '^h%zu '\n", i, i);
    }
}


void
rgt_hostile_nesting(FILE *f, size_t levels)
{
    size_t  i;

    for (i = 0; i < levels; i++) {
        fputc('[', f);
    }
    fputc('\n', f);
}


void
rgt_hostile_long_pattern(FILE *f, size_t len)
{
    size_t  i;

    fputs("- id: h.long\n  format: nginx-error\n  class: client_closed\n"
          "  match: ", f);
    for (i = 0; i < len; i++) {
        fputc('a', f);
    }
    fputc('\n', f);
}


void
rgt_hostile_comments(FILE *f, size_t bytes)
{
    char    line[65];
    size_t  done;

    memset(line, 'x', sizeof(line));
    line[0] = '#';
    line[1] = ' ';
    line[63] = '\n';
    line[64] = '\0';

    for (done = 0; done < bytes; done += 64) {
        fputs(line, f);
    }
}


int
rgt_hostile_write(const char *path, void (*gen)(FILE *, size_t), size_t n)
{
    FILE  *f = fopen(path, "w");

    if (f == NULL) {
        return -1;
    }

    gen(f, n);

    return fclose(f) == 0 ? 0 : -1;
}

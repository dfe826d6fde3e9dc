// A small integer CPU benchmark in the manner of CoreMark (own code, not CoreMark's): each iteration
// walks, reverses and merge-sorts a linked list, multiplies and folds small integer matrices, runs a
// number-scanning state machine over a text buffer, and chains every result through a CRC-16.
#include <stdint.h>
#include <stdio.h>

#include "../scale.h"

#define ITERATIONS SIZE(1500)
#define LIST_NODES 400
#define MATRIX_N 24
#define TEXT_BYTES 2048

static uint16_t crc16(uint16_t crc, uint32_t value, int bytes) {
  for (int b = 0; b < bytes; b++) {
    crc ^= (uint8_t)(value >> (8 * b));
    for (int k = 0; k < 8; k++) crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
  }
  return crc;
}

struct node {
  struct node *next;
  int32_t key;
  int16_t data;
};

static struct node nodes[LIST_NODES];

static struct node *list_reverse(struct node *list) {
  struct node *reversed = 0;
  while (list) {
    struct node *next = list->next;
    list->next = reversed;
    reversed = list;
    list = next;
  }
  return reversed;
}

/* Bottom-up merge sort by `data` (then key), as CoreMark's list part does with its comparison functions. */
static int node_less(const struct node *a, const struct node *b) {
  return a->data != b->data ? a->data < b->data : a->key < b->key;
}

static struct node *list_sort(struct node *list) {
  for (int width = 1;; width *= 2) {
    struct node *p = list, *tail = 0;
    int merges = 0;
    list = 0;
    while (p) {
      merges++;
      struct node *q = p;
      int psize = 0, qsize = width;
      for (int i = 0; i < width && q; i++) {
        psize++;
        q = q->next;
      }
      while (psize > 0 || (qsize > 0 && q)) {
        struct node *e;
        if (psize == 0) { e = q; q = q->next; qsize--; }
        else if (qsize == 0 || !q || !node_less(q, p)) { e = p; p = p->next; psize--; }
        else { e = q; q = q->next; qsize--; }
        if (tail) tail->next = e; else list = e;
        tail = e;
      }
      p = q;
    }
    tail->next = 0;
    if (merges <= 1) return list;
  }
}

static uint16_t bench_list(uint16_t crc, int seed) {
  for (int i = 0; i < LIST_NODES; i++) {
    nodes[i].next = i + 1 < LIST_NODES ? &nodes[i + 1] : 0;
    nodes[i].key = i;
    nodes[i].data = (int16_t)(((i * 7919 + seed * 31) ^ (i >> 3)) & 0x3fff);
  }
  struct node *list = &nodes[0];
  int found = 0;
  for (int probe = 0; probe < 32; probe++) {
    int16_t want = (int16_t)((probe * 977 + seed) & 0x3fff);
    for (struct node *n = list; n; n = n->next)
      if (n->data == want) { found += n->key; break; }
  }
  list = list_reverse(list);
  list = list_sort(list);
  for (struct node *n = list; n; n = n->next) crc = crc16(crc, (uint32_t)n->data, 2);
  return crc16(crc, (uint32_t)found, 4);
}

static int16_t ma[MATRIX_N][MATRIX_N], mb[MATRIX_N][MATRIX_N];
static int32_t mc[MATRIX_N][MATRIX_N];

static uint16_t bench_matrix(uint16_t crc, int seed) {
  for (int i = 0; i < MATRIX_N; i++)
    for (int j = 0; j < MATRIX_N; j++) {
      ma[i][j] = (int16_t)(((i + 1) * (j + seed) * 13) % 1021 - 510);
      mb[i][j] = (int16_t)(((i + seed) * (j + 3) * 7) % 997 - 498);
    }
  for (int i = 0; i < MATRIX_N; i++)
    for (int j = 0; j < MATRIX_N; j++) {
      int32_t acc = 0;
      for (int k = 0; k < MATRIX_N; k++) acc += ma[i][k] * mb[k][j];
      mc[i][j] = acc;
    }
  int32_t sum = 0;
  for (int i = 0; i < MATRIX_N; i++)
    for (int j = 0; j < MATRIX_N; j++) {
      int32_t v = mc[i][j] + (int32_t)ma[i][j] * 3;
      sum += (v > 100000) ? 10 : (v < -100000) ? -10 : (v & 0xf);
      mc[i][j] = (v >> 2) ^ (v << 1);
    }
  for (int i = 0; i < MATRIX_N; i++) crc = crc16(crc, (uint32_t)mc[i][(i * 5) % MATRIX_N], 4);
  return crc16(crc, (uint32_t)sum, 4);
}

enum state { START, INT, FRACTION, EXPONENT_START, EXPONENT, SCIENTIFIC, INVALID, STATES };

static char text[TEXT_BYTES];

/* Classifies comma-separated tokens as integers, fractions, scientific numbers or invalid, counting transitions. */
static uint16_t bench_state(uint16_t crc, int seed) {
  static const char *pieces[] = {"5012", "1234", "-874", "+122", "35.54", ".1234", "-110.7", "0.64", "5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T"};
  int pos = 0, piece = seed;
  while (pos + 12 < TEXT_BYTES) {
    for (const char *p = pieces[piece++ & 15]; *p; p++) text[pos++] = *p;
    text[pos++] = ',';
  }
  text[pos] = 0;
  uint32_t finals[STATES] = {0}, transitions = 0;
  for (const char *p = text; *p;) {
    enum state s = START;
    for (; *p && *p != ','; p++) {
      const char c = *p;
      const int digit = c >= '0' && c <= '9';
      enum state next = s;
      switch (s) {
        case START: next = digit ? INT : (c == '+' || c == '-') ? INT : c == '.' ? FRACTION : INVALID; break;
        case INT: next = digit ? INT : c == '.' ? FRACTION : (c == 'e' || c == 'E') ? EXPONENT_START : INVALID; break;
        case FRACTION: next = digit ? FRACTION : (c == 'e' || c == 'E') ? EXPONENT_START : INVALID; break;
        case EXPONENT_START: next = (c == '+' || c == '-' || digit) ? EXPONENT : INVALID; break;
        case EXPONENT: next = digit ? SCIENTIFIC : INVALID; break;
        case SCIENTIFIC: next = digit ? SCIENTIFIC : INVALID; break;
        default: break;
      }
      transitions += next != s;
      s = next;
    }
    finals[s]++;
    if (*p == ',') p++;
  }
  for (int s = 0; s < STATES; s++) crc = crc16(crc, finals[s], 4);
  return crc16(crc, transitions, 4);
}

int main(void) {
  uint16_t crc = 0;
  for (int i = 0; i < ITERATIONS; i++) {
    crc = bench_list(crc, i);
    crc = bench_matrix(crc, i & 63);
    crc = bench_state(crc, i);
  }
  printf("intbench %u\n", (unsigned)crc);
  return 0;
}

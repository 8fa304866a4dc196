/* Multi-index Hamming search kernel for marsad.core.matching.index.
 *
 * The same algorithm as the numpy path in index.py (which stays the reference and
 * the fallback where this module was not compiled): probe every chunk table at the
 * query's chunk value with up to `flips` bits flipped, gather the candidate rows,
 * keep those within the radius. What numpy cannot do is overlap the ~6,000 random
 * memory reads a query costs at ten million hashes (bucket offsets, positions, rows):
 * here each stage prefetches a few dozen reads ahead, so they are in flight together
 * instead of one after another. The GIL is released while searching, so threads
 * answer blocks of queries on every core.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TABLES 64
#define AHEAD 24 /* reads kept in flight */

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 0)
#else
#define PREFETCH(p) ((void)0)
#endif

typedef struct {
    const int32_t *order;  /* row positions sorted by chunk value */
    const int32_t *starts; /* (1 << width) + 1 bucket offsets into order */
    int offset, width, flips;
} Table;

typedef struct {
    void *data;
    Py_ssize_t len, cap, item;
} Vec;

static int vec_reserve(Vec *v, Py_ssize_t more) {
    if (v->len + more <= v->cap) return 0;
    Py_ssize_t cap = v->cap ? v->cap : 1024;
    while (cap < v->len + more) cap *= 2;
    void *p = realloc(v->data, (size_t)(cap * v->item));
    if (!p) return -1;
    v->data = p;
    v->cap = cap;
    return 0;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((target_clones("popcnt", "default")))
#else
#define HOT
#endif

/* Bits [offset, offset + width) of the hash, most significant first (as np.unpackbits). */
static uint32_t chunk_value(const uint8_t *hash, int offset, int width) {
    int first = offset >> 3, last = (offset + width - 1) >> 3;
    uint64_t x = 0;
    for (int b = first; b <= last; b++) x = (x << 8) | hash[b];
    int nbits = (last - first + 1) * 8;
    return (uint32_t)((x >> (nbits - (offset & 7) - width)) & ((1ull << width) - 1));
}

/* The distance between two hashes, or -1 past the radius; half the hash first, which
 * rejects nearly every candidate at half the cost. */
static inline int within(const uint64_t *r, const uint64_t *q, int radius) {
    int d = __builtin_popcountll(r[0] ^ q[0]) + __builtin_popcountll(r[1] ^ q[1]);
    if (d > radius) return -1;
    d += __builtin_popcountll(r[2] ^ q[2]) + __builtin_popcountll(r[3] ^ q[3]);
    return d > radius ? -1 : d;
}

typedef struct {
    int32_t pos;
    int32_t dist;
} Hit;

static int hit_order(const void *a, const void *b) {
    const Hit *x = a, *y = b;
    if (x->dist != y->dist) return x->dist - y->dist;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

typedef struct {
    Vec probes;  /* uint32 chunk values to look up */
    Vec ptable;  /* uint8 which table each probe is for */
    Vec ranges;  /* int32 pairs (start, end) of non-empty buckets */
    Vec cands;   /* int32 candidate rows */
    Vec hits;    /* Hit, for the current query */
} Scratch;

/* Search one query; appends its hits (nearest first, each row once) to out_*. */
HOT static int search_one(const uint64_t *rows, Py_ssize_t indexed, Py_ssize_t n, const Table *tables, int m,
                          const uint64_t *q, int radius, Scratch *s, int32_t qid, Vec *out_q, Vec *out_pos,
                          Vec *out_dist) {
    s->probes.len = s->ptable.len = s->ranges.len = s->cands.len = s->hits.len = 0;
    for (int j = 0; j < m; j++) {
        const Table *t = &tables[j];
        if (t->flips < 0) continue;
        int w = t->width;
        Py_ssize_t count = 1 + (t->flips >= 1 ? w : 0) + (t->flips >= 2 ? (Py_ssize_t)w * (w - 1) / 2 : 0);
        if (vec_reserve(&s->probes, count) || vec_reserve(&s->ptable, count)) return -1;
        uint32_t *p = (uint32_t *)s->probes.data + s->probes.len;
        uint8_t *pt = (uint8_t *)s->ptable.data + s->ptable.len;
        uint32_t v = chunk_value((const uint8_t *)q, t->offset, w);
        Py_ssize_t k = 0;
        p[k++] = v;
        if (t->flips >= 1)
            for (int a = 0; a < w; a++) p[k++] = v ^ (1u << a);
        if (t->flips >= 2)
            for (int a = 0; a < w; a++)
                for (int b = 0; b < a; b++) p[k++] = v ^ (1u << a) ^ (1u << b);
        memset(pt, j, (size_t)k);
        s->probes.len += k;
        s->ptable.len += k;
    }
    /* Stage 1: bucket offsets (one random read per probe). */
    const uint32_t *probes = s->probes.data;
    const uint8_t *ptable = s->ptable.data;
    Py_ssize_t np_ = s->probes.len;
    if (vec_reserve(&s->ranges, 3 * np_)) return -1;
    int32_t *ranges = s->ranges.data;
    Py_ssize_t nr = 0, total = 0;
    for (Py_ssize_t i = 0; i < np_; i++) {
        if (i + AHEAD < np_) PREFETCH(tables[ptable[i + AHEAD]].starts + probes[i + AHEAD]);
        const int32_t *st = tables[ptable[i]].starts + probes[i];
        int32_t a = st[0], b = st[1];
        if (a < 0 || b > indexed) return -2; /* a damaged table file: never read past the arrays */
        if (b > a) {
            ranges[3 * nr] = a;
            ranges[3 * nr + 1] = b;
            ranges[3 * nr + 2] = ptable[i];
            nr++;
            total += b - a;
        }
    }
    /* Stage 2: candidate rows from the buckets. */
    if (vec_reserve(&s->cands, total)) return -1;
    int32_t *cands = s->cands.data;
    Py_ssize_t nc = 0;
    for (Py_ssize_t i = 0; i < nr; i++) {
        if (i + AHEAD < nr) PREFETCH(tables[ranges[3 * (i + AHEAD) + 2]].order + ranges[3 * (i + AHEAD)]);
        const int32_t *order = tables[ranges[3 * i + 2]].order;
        for (int32_t k = ranges[3 * i]; k < ranges[3 * i + 1]; k++) {
            if ((uint32_t)order[k] >= (uint64_t)indexed) return -2;
            cands[nc++] = order[k];
        }
    }
    /* Stage 3: distances. */
    for (Py_ssize_t i = 0; i < nc; i++) {
        if (i + AHEAD < nc) PREFETCH(rows + 4 * (Py_ssize_t)cands[i + AHEAD]);
        int d = within(rows + 4 * (Py_ssize_t)cands[i], q, radius);
        if (d < 0) continue;
        if (vec_reserve(&s->hits, 1)) return -1;
        ((Hit *)s->hits.data)[s->hits.len++] = (Hit){cands[i], d};
    }
    /* Rows added since the tables were built: scanned flat. */
    for (Py_ssize_t i = indexed; i < n; i++) {
        int d = within(rows + 4 * i, q, radius);
        if (d < 0) continue;
        if (vec_reserve(&s->hits, 1)) return -1;
        ((Hit *)s->hits.data)[s->hits.len++] = (Hit){(int32_t)i, d};
    }
    /* A row can sit in the probed buckets of several chunks: keep it once. */
    Hit *hits = s->hits.data;
    qsort(hits, (size_t)s->hits.len, sizeof(Hit), hit_order);
    if (vec_reserve(out_q, s->hits.len) || vec_reserve(out_pos, s->hits.len) || vec_reserve(out_dist, s->hits.len))
        return -1;
    for (Py_ssize_t i = 0; i < s->hits.len; i++) {
        if (i && hits[i].pos == hits[i - 1].pos) continue;
        ((int32_t *)out_q->data)[out_q->len++] = qid;
        ((int64_t *)out_pos->data)[out_pos->len++] = hits[i].pos;
        ((int32_t *)out_dist->data)[out_dist->len++] = hits[i].dist;
    }
    return 0;
}

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t min_len, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (view->len < min_len) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd bytes, fewer than the %zd it needs", what, view->len, min_len);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *vec_bytes(Vec *v) {
    return PyBytes_FromStringAndSize(v->data ? v->data : "", v->len * v->item);
}

PyDoc_STRVAR(search_doc,
             "search(rows, indexed, tables, queries, radius) -> (query numbers int32, rows int64, distances int32)\n\n"
             "rows: (N, 4) uint64 hashes; the first `indexed` are in the tables, the rest are scanned flat.\n"
             "tables: sequence of (order int32, starts int32, bit offset, width, flips).\n"
             "queries: (Q, 4) uint64. Each query's hits come nearest first, each row once.");

static PyObject *mih_search(PyObject *self, PyObject *args) {
    PyObject *rows_obj, *tables_obj, *queries_obj;
    Py_ssize_t indexed;
    int radius;
    if (!PyArg_ParseTuple(args, "OnOOi", &rows_obj, &indexed, &tables_obj, &queries_obj, &radius)) return NULL;
    PyObject *seq = PySequence_Fast(tables_obj, "tables must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    if (m > MAX_TABLES) {
        Py_DECREF(seq);
        return PyErr_Format(PyExc_ValueError, "at most %d tables", MAX_TABLES);
    }
    Py_buffer rows_view = {0}, q_view = {0}, order_views[MAX_TABLES], starts_views[MAX_TABLES];
    Table tables[MAX_TABLES];
    Py_ssize_t held = 0;
    PyObject *result = NULL;
    Vec out_q = {.item = 4}, out_pos = {.item = 8}, out_dist = {.item = 4};
    Scratch s = {{.item = 4}, {.item = 1}, {.item = 4}, {.item = 4}, {.item = sizeof(Hit)}};

    if (get_buffer(rows_obj, &rows_view, 0, "rows") < 0) goto done;
    if (rows_view.len % 32) {
        PyErr_SetString(PyExc_ValueError, "rows must be 32 bytes each");
        goto release_rows;
    }
    Py_ssize_t n = rows_view.len / 32;
    if (indexed < 0 || indexed > n || n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "indexed must lie between 0 and the number of rows (< 2**31)");
        goto release_rows;
    }
    if (get_buffer(queries_obj, &q_view, 0, "queries") < 0) goto release_rows;
    if (q_view.len % 32) {
        PyErr_SetString(PyExc_ValueError, "queries must be 32 bytes each");
        goto release_all;
    }
    for (; held < m; held++) {
        PyObject *t = PySequence_Fast_GET_ITEM(seq, held);
        PyObject *order, *starts;
        int offset, width, flips;
        if (!PyArg_ParseTuple(t, "OOiii", &order, &starts, &offset, &width, &flips)) goto release_all;
        if (width < 1 || width > 30 || offset < 0 || offset + width > 256 || flips > 2) {
            PyErr_SetString(PyExc_ValueError, "a table needs 1-30 bits inside the hash and at most 2 flips");
            goto release_all;
        }
        if (get_buffer(order, &order_views[held], indexed * 4, "a table's order") < 0) goto release_all;
        if (get_buffer(starts, &starts_views[held], (((Py_ssize_t)1 << width) + 1) * 4, "a table's starts") < 0) {
            PyBuffer_Release(&order_views[held]);
            goto release_all;
        }
        tables[held] = (Table){order_views[held].buf, starts_views[held].buf, offset, width, flips};
    }
    Py_ssize_t nq = q_view.len / 32;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < nq && !failed; i++)
        failed = search_one(rows_view.buf, indexed, n, tables, (int)m, (const uint64_t *)q_view.buf + 4 * i, radius,
                            &s, (int32_t)i, &out_q, &out_pos, &out_dist);
    Py_END_ALLOW_THREADS
    if (failed == -2) {
        PyErr_SetString(PyExc_ValueError, "the index's tables point outside its rows: the files are damaged "
                                          "(rebuild the index from the database)");
        goto release_all;
    }
    if (failed) {
        PyErr_NoMemory();
        goto release_all;
    }
    result = Py_BuildValue("(NNN)", vec_bytes(&out_q), vec_bytes(&out_pos), vec_bytes(&out_dist));

release_all:
    for (Py_ssize_t j = 0; j < held; j++) {
        PyBuffer_Release(&order_views[j]);
        PyBuffer_Release(&starts_views[j]);
    }
    PyBuffer_Release(&q_view);
release_rows:
    PyBuffer_Release(&rows_view);
done:
    Py_DECREF(seq);
    free(out_q.data);
    free(out_pos.data);
    free(out_dist.data);
    free(s.probes.data);
    free(s.ptable.data);
    free(s.ranges.data);
    free(s.cands.data);
    free(s.hits.data);
    return result;
}

static PyMethodDef methods[] = {{"search", mih_search, METH_VARARGS, search_doc}, {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_mih", "Compiled multi-index Hamming search.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__mih(void) { return PyModule_Create(&module); }

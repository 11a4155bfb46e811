// Field-by-field merge of a conflicting save against the revision the editor started from.
// Pure functions, no DOM: a field only one side changed takes that side; a field both changed
// the same way is agreed; a field both changed differently is a conflict for the editor.

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// base, mine, theirs: { field: value }. Returns { merged, conflicts: [field], taken: {field: "mine"|"theirs"} }.
export function mergeFields(base, mine, theirs, fields) {
  const merged = {};
  const conflicts = [];
  const taken = {};
  for (const field of fields) {
    const b = base ? base[field] : undefined;
    const m = mine[field];
    const t = theirs[field];
    if (same(m, t)) {
      merged[field] = m;
    } else if (base && same(m, b)) {
      merged[field] = t;
      taken[field] = "theirs";
    } else if (base && same(t, b)) {
      merged[field] = m;
      taken[field] = "mine";
    } else {
      merged[field] = m; // until the editor chooses: what they typed stays
      conflicts.push(field);
    }
  }
  return { merged, conflicts, taken };
}

// A word-level diff (longest common subsequence): [{ op: "same"|"add"|"del", text }].
export function diffWords(before, after) {
  const a = tokens(before);
  const b = tokens(after);
  if (a.length * b.length > 4_000_000) return [{ op: "del", text: before }, { op: "add", text: after }];
  const rows = a.length + 1;
  const cols = b.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * cols + j] = a[i] === b[j] ? table[(i + 1) * cols + j + 1] + 1 : Math.max(table[(i + 1) * cols + j], table[i * cols + j + 1]);
    }
  }
  const out = [];
  const push = (op, text) => {
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text;
    else out.push({ op, text });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { push("same", a[i]); i++; j++; }
    else if (table[(i + 1) * cols + j] >= table[i * cols + j + 1]) { push("del", a[i]); i++; }
    else { push("add", b[j]); j++; }
  }
  while (i < a.length) push("del", a[i++]);
  while (j < b.length) push("add", b[j++]);
  return out;
}

function tokens(text) {
  return String(text ?? "").match(/\s+|[^\s<>]+|[<>]/g) ?? [];
}

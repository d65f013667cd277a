// Small helpers shared by the pages, written here so the site needs nothing fetched at build or view time.

// Rows from a JSON extract, with the named columns parsed as dates.
export function withDates(rows, ...columns) {
  return rows.map((row) => {
    const out = {...row};
    for (const c of columns) if (out[c] != null) out[c] = new Date(out[c]);
    return out;
  });
}

export function isSample(...tables) {
  return tables.some((rows) => rows.some((row) => row.is_sample === true));
}

// The SAMPLE DATA banner of a page whose rows include sample rows (nothing otherwise).
export function sampleBanner(sample, what = "the rows on this page") {
  const div = document.createElement("div");
  if (!sample) return div;
  div.className = "sample-banner";
  div.style.cssText = "border:2px solid #c00;color:#c00;padding:0.5rem 1rem;margin:1rem 0;font-weight:600;";
  div.textContent = `SAMPLE DATA: ${what} come from the bundled synthetic sample, not the public record.`;
  return div;
}

// A chart caption, stamped SAMPLE DATA when the chart plots sample rows.
export function caption(sample, text) {
  return sample ? `SAMPLE DATA — ${text}` : text;
}

// A paragraph of text and figures: a string stays text, {strong, data} is a bold number tagged
// data-headline=<data> (the tests read the numbers back by that tag).
export function paragraph(className, parts) {
  const p = document.createElement("p");
  p.className = className;
  p.style.cssText = "font-size:1.15rem;max-width:960px;";
  for (const part of parts) {
    if (typeof part === "string") {
      p.append(part);
    } else {
      const b = document.createElement("strong");
      b.dataset.headline = part.data;
      b.textContent = part.strong;
      p.append(b);
    }
  }
  return p;
}

// A plain HTML table of the first `limit` rows.
export function table(rows, columns, {limit = 50, format = {}} = {}) {
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.textContent = c;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const row of rows.slice(0, limit)) {
    const tr = body.insertRow();
    for (const c of columns) {
      const v = row[c];
      tr.insertCell().textContent = v == null ? "" : format[c] ? format[c](v) : v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
    }
  }
  const wrap = document.createElement("div");
  wrap.appendChild(t);
  if (rows.length > limit) {
    const p = document.createElement("p");
    p.textContent = `${limit} of ${rows.length} rows shown; the mart holds them all.`;
    wrap.appendChild(p);
  }
  return wrap;
}

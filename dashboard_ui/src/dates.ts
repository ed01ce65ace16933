// datetime-local inputs have no time zone: they show and read the browser's, the API wants UTC.

/** "2026-12-01T09:30" (browser time) → ISO with "Z"; empty → null; nonsense is sent as typed. */
export function localToIso(value: string): string | null {
  if (!value.trim()) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** ISO → the value a datetime-local input shows, in the browser's time zone. */
export function isoToLocal(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

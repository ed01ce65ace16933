// Numbers, money and dates in the Dashboard user's locale (from AppBridge's `localeChanged`).

export interface Format {
  locale: string;
  points: (value: number) => string;
  signedPoints: (value: number) => string;
  number: (value: number | string) => string;
  money: (amount: string | number | null | undefined, currency: string) => string;
  percent: (ratio: string | number | null | undefined) => string;
  date: (iso: string) => string;
  dateTime: (iso: string) => string;
  /** A UTC calendar day ("2026-11-24") as a short label. */
  day: (isoDate: string) => string;
}

/** The Dashboard's locale codes ("en", "pt-BR", "zh-Hans"), or "en" for anything Intl refuses. */
export function safeLocale(locale: string | null | undefined): string {
  if (!locale) return "en";
  try {
    return Intl.getCanonicalLocales(locale.replace("_", "-"))[0] ?? "en";
  } catch {
    return "en";
  }
}

const DASH = "—";

export function makeFormat(requested: string | null | undefined): Format {
  const locale = safeLocale(requested);
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const signed = new Intl.NumberFormat(locale, { maximumFractionDigits: 0, signDisplay: "exceptZero" });
  const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 4 });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
  const currencies = new Map<string, Intl.NumberFormat>();

  const currencyFormat = (currency: string): Intl.NumberFormat => {
    let format = currencies.get(currency);
    if (!format) {
      try {
        format = new Intl.NumberFormat(locale, { style: "currency", currency });
      } catch {
        format = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
      }
      currencies.set(currency, format);
    }
    return format;
  };

  return {
    locale,
    points: (value) => integer.format(value),
    signedPoints: (value) => signed.format(value),
    number: (value) => decimal.format(Number(value)),
    money: (amount, currency) =>
      amount === null || amount === undefined || amount === ""
        ? DASH
        : currencyFormat(currency).format(Number(amount)),
    percent: (ratio) =>
      ratio === null || ratio === undefined || ratio === "" ? DASH : percent.format(Number(ratio)),
    date: (iso) => date.format(new Date(iso)),
    dateTime: (iso) => dateTime.format(new Date(iso)),
    day: (isoDate) => day.format(new Date(`${isoDate}T00:00:00Z`)),
  };
}

/** "1.0000" → "1", "0.0100" → "0.01": decimals from the API as a person types them. */
export function trimDecimal(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

export function fullName(first: string | null, last: string | null): string {
  return [first, last].filter(Boolean).join(" ");
}

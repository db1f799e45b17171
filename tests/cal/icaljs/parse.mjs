// Parse iCalendar text with ical.js (the parser Thunderbird's calendar uses) and print what eenplan's tests compare.
//
//   node parse.mjs FILE.ics [...]   one JSON line per file
//   node parse.mjs --serve          one JSON request per stdin line ({"ics": "..."}), one JSON answer per line
//
// An answer is {"ok": true, "calendar": {...}} or {"ok": false, "error": "..."}; nothing is guessed or repaired.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import ICAL from "ical.js";

const upperKeys = (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k.toUpperCase(), v]));

function address(prop) {
  return { value: String(prop.getFirstValue()), params: upperKeys(prop.toJSON()[1]) };
}

function time(prop, zones) {
  if (!prop) return null;
  const value = prop.getFirstValue();
  const tzid = prop.getParameter("tzid") || null;
  let instant = null;
  if (tzid && zones[tzid]) {
    const local = value.clone();
    local.zone = zones[tzid];
    instant = local.convertToZone(ICAL.Timezone.utcTimezone).toString();
  } else if (value.zone === ICAL.Timezone.utcTimezone) {
    instant = value.toString();
  }
  return { tzid, local: value.toString().replace(/Z$/, ""), utc: instant && instant.replace(/Z?$/, "Z") };
}

function text(comp, name) {
  const prop = comp.getFirstProperty(name);
  return prop ? String(prop.getFirstValue()) : null;
}

function event(comp, zones) {
  const seq = comp.getFirstPropertyValue("sequence");
  return {
    names: comp.getAllProperties().map((p) => p.name.toUpperCase()),
    uid: text(comp, "uid"),
    sequence: seq === null ? null : Number(seq),
    status: text(comp, "status"),
    summary: text(comp, "summary"),
    location: text(comp, "location"),
    description: text(comp, "description"),
    dtstamp: time(comp.getFirstProperty("dtstamp"), zones),
    dtstart: time(comp.getFirstProperty("dtstart"), zones),
    dtend: time(comp.getFirstProperty("dtend"), zones),
    organizer: comp.getFirstProperty("organizer") ? address(comp.getFirstProperty("organizer")) : null,
    attendees: comp.getAllProperties("attendee").map(address),
    alarms: comp.getAllSubcomponents("valarm").map((a) => ({
      action: text(a, "action"),
      trigger: text(a, "trigger"),
      description: text(a, "description"),
    })),
    components: comp.getAllSubcomponents().map((c) => c.name.toUpperCase()),
  };
}

// VTIMEZONEs seen before, by their text: ical.js expands a zone's rules from their start (1970) on first use
const known = new Map();

export function parse(ics) {
  const root = new ICAL.Component(ICAL.parse(ics));
  if (root.name !== "vcalendar") throw new Error(`not a VCALENDAR but ${root.name}`);
  const zones = {};
  const timezones = root.getAllSubcomponents("vtimezone").map((c) => {
    const text = c.toString();
    if (!known.has(text)) known.set(text, new ICAL.Timezone(c)); // same rules: reuse its expanded changes
    const tz = known.get(text);
    zones[tz.tzid] = tz;
    return tz.tzid;
  });
  return {
    names: root.getAllProperties().map((p) => p.name.toUpperCase()),
    method: text(root, "method"),
    prodid: text(root, "prodid"),
    version: text(root, "version"),
    components: root.getAllSubcomponents().map((c) => c.name.toUpperCase()),
    timezones,
    events: root.getAllSubcomponents("vevent").map((c) => event(c, zones)),
  };
}

function answer(ics) {
  try {
    return { ok: true, calendar: parse(ics) };
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
  }
}

const args = process.argv.slice(2);
if (args[0] === "--serve") {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let reply;
    try {
      reply = answer(JSON.parse(line).ics);
    } catch (err) {
      reply = { ok: false, error: `bad request: ${err.message}` };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
} else {
  for (const file of args) process.stdout.write(`${JSON.stringify(answer(readFileSync(file, "utf8")))}\n`);
}

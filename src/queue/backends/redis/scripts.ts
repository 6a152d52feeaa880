import type { Redis } from "ioredis";

/**
 * Lua scripts: each is one atomic step on the server. ioredis sends them by SHA (EVALSHA) and falls
 * back to EVAL after a restart emptied the script cache.
 *
 * Ownership: a delivery is "ours" while the group's PEL says our consumer holds the entry with the
 * delivery count we were handed. A lease that expired and was claimed by someone else (or by us
 * again) fails the check, so a stale retry / dead-letter / extend changes nothing.
 */

const PRELUDE = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function owned(stream, group, consumer, id, count)
  local p = redis.call('XPENDING', stream, group, id, id, 1)[1]
  return p ~= nil and p[2] == consumer and p[4] == tonumber(count)
end
local function str(v)
  if type(v) == 'string' then return v end
  if type(v) == 'number' then return tostring(v) end
  return ''
end
local function fieldmap(flat)
  local f = {}
  for i = 1, #flat, 2 do f[flat[i]] = flat[i + 1] end
  return f
end
`;

/**
 * KEYS: stream. ARGV: envelope JSON, message id, repeated. Every publish of one event-loop turn in one
 * call. Returns one result per message: its entry id, or "ERR <why>" when its XADD failed (the
 * others stand; each message is answered for on its own).
 */
const PUBLISH_MANY = `
local out = {}
for i = 1, #ARGV, 2 do
  local id = redis.pcall('XADD', KEYS[1], '*', 'envelope', ARGV[i], 'id', ARGV[i + 1])
  if type(id) == 'table' then out[#out + 1] = 'ERR ' .. tostring(id.err) else out[#out + 1] = id end
end
return out
`;

/**
 * KEYS: stream, then one dedup key per message. ARGV: ttl ms, envelope JSON, message id, per message.
 * Returns per message: its entry id; "" for a duplicate; "INFLIGHT" while another gateway's claim is
 * pending; "ERR <why>". A script is not rolled back when a command fails midway (out of memory),
 * so the XADD comes first: a failure can at worst leave a published message without its dedup key
 * (a duplicate later), never a dedup key without its message (an event lost). A second copy of an
 * id in the same call finds the first one's key and is a duplicate.
 */
const PUBLISH_ONCE_MANY = `
local out = {}
for k = 2, #KEYS do
  local a = (k - 2) * 3
  local state = redis.call('GET', KEYS[k])
  if state == 'pending' then
    out[#out + 1] = 'INFLIGHT'
  elseif state then
    out[#out + 1] = ''
  else
    local id = redis.pcall('XADD', KEYS[1], '*', 'envelope', ARGV[a + 2], 'id', ARGV[a + 3])
    if type(id) == 'table' then
      out[#out + 1] = 'ERR ' .. tostring(id.err)
    else
      redis.pcall('SET', KEYS[k], 'done', 'PX', ARGV[a + 1])
      out[#out + 1] = id
    end
  end
end
return out
`;

/**
 * KEYS: stream, delayed zset. ARGV: group, consumer, entry id, delivery count, delay ms, attempt,
 * envelope, message id, error. Schedules the message again for this group only, at once (a new
 * stream entry addressed to the group) or later (a member of the group's delayed set), then acks
 * the old entry. Writes come before the ack everywhere: a script that fails midway duplicates, never loses.
 */
const RETRY = `${PRELUDE}
local stream, group, consumer, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
if not owned(stream, group, consumer, id, ARGV[4]) then return 0 end
local delay = tonumber(ARGV[5])
if delay <= 0 then
  redis.call('XADD', stream, '*', 'envelope', ARGV[7], 'id', ARGV[8], 'group', group, 'attempt', ARGV[6], 'orig', id, 'error', ARGV[9])
else
  local member = cjson.encode({ envelope = ARGV[7], id = ARGV[8], attempt = tonumber(ARGV[6]), orig = id, error = ARGV[9] })
  redis.call('ZADD', KEYS[2], now_ms() + delay, member)
end
redis.call('XACK', stream, group, id)
return 1
`;

/**
 * KEYS: stream, delayed zset, dead-letter stream. ARGV: group, max. Moves due retries into the
 * stream, addressed to the group, attempt preserved. Returns {moved, next due score or nil}.
 */
const PROMOTE = `${PRELUDE}
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local ok, d = pcall(cjson.decode, m)
  if ok and type(d) == 'table' and type(d.envelope) == 'string' then
    redis.call('XADD', KEYS[1], '*', 'envelope', d.envelope, 'id', str(d.id), 'group', ARGV[1],
      'attempt', str(d.attempt), 'orig', str(d.orig), 'error', str(d.error))
  else
    redis.call('XADD', KEYS[3], '*', 'envelope', m, 'id', '', 'topic', '', 'group', ARGV[1],
      'reason', 'malformed delayed retry', 'attempts', '0', 'dead_at', now, 'orig', '')
  end
  redis.call('ZREM', KEYS[2], m)
end
local nxt = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return { #due, nxt[2] or false }
`;

/**
 * KEYS: stream, dead-letter stream. ARGV: group, consumer, entry id, delivery count, envelope,
 * message id, reason, attempts, topic. Copies the entry to the DLQ and acks it, in one step.
 */
const DEAD_LETTER = `${PRELUDE}
local stream, group, consumer, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
if not owned(stream, group, consumer, id, ARGV[4]) then return 0 end
redis.call('XADD', KEYS[2], '*', 'envelope', ARGV[5], 'id', ARGV[6], 'topic', ARGV[9], 'group', group,
  'reason', ARGV[7], 'attempts', ARGV[8], 'dead_at', now_ms(), 'orig', id)
redis.call('XACK', stream, group, id)
return 1
`;

/** KEYS: stream. ARGV: group, consumer, entry id, delivery count. Resets the entry's idle time if still ours. */
const EXTEND = `${PRELUDE}
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
`;

/**
 * KEYS: stream. ARGV: group, consumer, max. Hands back everything the consumer holds: marks its
 * pending entries idle since the epoch, so any consumer's next XAUTOCLAIM takes them at once.
 */
const HAND_BACK = `${PRELUDE}
-- Idle since a minute after the epoch: far past any lease, and never clamped to "now" by XCLAIM.
local idle = now_ms() - 60000
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', tonumber(ARGV[3]), ARGV[2])
for _, p in ipairs(pending) do
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, p[1], 'IDLE', idle, 'JUSTID')
end
return #pending
`;

/**
 * KEYS: stream. ARGV: group, consumer, min idle ms, cursor, count. XAUTOCLAIM plus each claimed
 * entry's delivery count (the attempt), in one round trip. Returns {next cursor, entries, counts}.
 */
const RECLAIM = `${PRELUDE}
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', tonumber(ARGV[5]))
local entries, counts = {}, {}
for _, e in ipairs(r[2]) do
  if type(e) == 'table' and type(e[2]) == 'table' then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)[1]
    entries[#entries + 1] = e
    counts[#counts + 1] = p and p[4] or 1
  end
end
return { r[1], entries, counts }
`;

/**
 * KEYS: stream. ARGV: group, own consumer name, idle ms. Removes consumers of the group that hold
 * nothing and were idle that long; checked and removed in one step, so no entry is ever dropped.
 */
const CLEANUP_CONSUMERS = `${PRELUDE}
local removed = {}
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = fieldmap(c)
  if f.name ~= ARGV[2] and tonumber(f.pending) == 0 and tonumber(f.idle) >= tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f.name)
    removed[#removed + 1] = f.name
  end
end
return removed
`;

/**
 * KEYS: stream. ARGV: max length, most entries to remove in one call. Trims the oldest entries
 * beyond the max length, but only entries that every group has already read and none still holds:
 * below min over groups of (oldest pending id, last-delivered id + 1). No group yet: no trim (a group
 * created later starts from the beginning). Returns the number of entries removed.
 */
const TRIM = `${PRELUDE}
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local function after(id)
  local ms, seq = parse(id)
  return string.format('%d-%d', ms, seq + 1)
end
local stream = KEYS[1]
local excess = redis.call('XLEN', stream) - tonumber(ARGV[1])
if excess <= 0 then return 0 end
local groups = redis.call('XINFO', 'GROUPS', stream)
if #groups == 0 then return 0 end
local keep = nil
for _, g in ipairs(groups) do
  local f = fieldmap(g)
  local bound = after(f['last-delivered-id'])
  if tonumber(f.pending) > 0 then
    local oldest = redis.call('XPENDING', stream, f.name)[2]
    if oldest and less(oldest, bound) then bound = oldest end
  end
  if keep == nil or less(bound, keep) then keep = bound end
end
local victims = redis.call('XRANGE', stream, '-', '(' .. keep, 'COUNT', math.min(excess, tonumber(ARGV[2])))
if #victims == 0 then return 0 end
return redis.call('XTRIM', stream, 'MINID', '~', after(victims[#victims][1]))
`;

/**
 * KEYS: stream, delayed zset. ARGV: group. What the group has not acked: pending + not yet read +
 * delayed, and the age of the oldest of them (server clock). Returns {depth, age ms or -1}.
 */
const STATS = `${PRELUDE}
local function ms(id) return tonumber(string.match(id, '^(%d+)')) end
local now = now_ms()
local depth = redis.call('ZCARD', KEYS[2])
local oldest = nil
local function older(t) if t and (oldest == nil or t < oldest) then oldest = t end end
local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
if first then
  local ok, d = pcall(cjson.decode, first)
  if ok and type(d) == 'table' and type(d.orig) == 'string' and d.orig ~= '' then older(ms(d.orig)) end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local f = fieldmap(g)
    if f.name == ARGV[1] then info = f end
  end
  if info == nil then
    depth = depth + redis.call('XLEN', KEYS[1])
    local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
    if e then older(ms(e[1])) end
  else
    depth = depth + tonumber(info.pending)
    if tonumber(info.pending) > 0 then older(ms(redis.call('XPENDING', KEYS[1], ARGV[1])[2])) end
    local unread = redis.call('XRANGE', KEYS[1], '(' .. info['last-delivered-id'], '+', 'COUNT', 1)[1]
    if unread then older(ms(unread[1])) end
    local lag = tonumber(info.lag)
    if lag == nil then
      lag = #redis.call('XRANGE', KEYS[1], '(' .. info['last-delivered-id'], '+', 'COUNT', 100000)
    end
    depth = depth + lag
  end
end
return { depth, oldest and (now - oldest) or -1 }
`;

/**
 * KEYS: dead-letter stream, stream. ARGV: DLQ entry ids. Puts each dead letter back into the stream,
 * addressed to the group it died in (all groups when it has none), attempts reset; removes it from
 * the DLQ in the same step. Returns how many were replayed.
 */
const REPLAY = `${PRELUDE}
local n = 0
for _, id in ipairs(ARGV) do
  local e = redis.call('XRANGE', KEYS[1], id, id)[1]
  if e then
    local f = fieldmap(e[2])
    local fields = { 'envelope', str(f.envelope), 'id', str(f.id), 'attempt', '0', 'orig', id }
    if f.group and f.group ~= '' then
      fields[#fields + 1] = 'group'
      fields[#fields + 1] = f.group
    end
    redis.call('XADD', KEYS[2], '*', unpack(fields))
    redis.call('XDEL', KEYS[1], id)
    n = n + 1
  end
end
return n
`;

/** KEYS: dead-letter stream. Removes the whole DLQ; returns how many entries it held. */
const PURGE_ALL = `
local n = redis.call('XLEN', KEYS[1])
redis.call('DEL', KEYS[1])
return n
`;

/** KEYS: key. ARGV: pending ttl ms. */
export const DEDUP_CLAIM = `
if redis.call('SET', KEYS[1], 'pending', 'NX', 'PX', ARGV[1]) then return 'claimed' end
if redis.call('GET', KEYS[1]) == 'pending' then return 'in_flight' end
return 'duplicate'
`;

/** KEYS: key. Deletes the key only while it is still a pending claim. */
export const DEDUP_RELEASE = `
if redis.call('GET', KEYS[1]) == 'pending' then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Arg = string | number;
type Reply = Promise<unknown>;

/** The scripts as typed calls on one client. */
export interface QueueScripts {
  /** numKeys is always 1: the stream. */
  publishMany(numKeys: 1, stream: string, ...envelopeThenId: string[]): Promise<string[]>;
  /** numKeys: 1 + messages. */
  publishOnceMany(numKeys: number, stream: string, ...dedupKeysThenArgs: Arg[]): Promise<string[]>;
  retry(stream: string, delayed: string, ...args: Arg[]): Reply;
  promote(stream: string, delayed: string, dlq: string, group: string, max: number): Reply;
  deadLetter(stream: string, dlq: string, ...args: Arg[]): Reply;
  extend(stream: string, group: string, consumer: string, id: string, count: number): Reply;
  handBack(stream: string, group: string, consumer: string, max: number): Reply;
  reclaim(
    stream: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
  ): Reply;
  cleanupConsumers(stream: string, group: string, self: string, idleMs: number): Reply;
  trim(stream: string, maxLen: number, maxRemove: number): Reply;
  stats(stream: string, delayed: string, group: string): Reply;
  replay(dlq: string, stream: string, ...ids: string[]): Reply;
  purgeAll(dlq: string): Reply;
}

/** keys: how many of the leading arguments are keys; undefined when the call passes the count itself. */
const DEFINITIONS: Record<keyof QueueScripts, { keys?: number; lua: string }> = {
  publishMany: { lua: PUBLISH_MANY },
  publishOnceMany: { lua: PUBLISH_ONCE_MANY },
  retry: { keys: 2, lua: RETRY },
  promote: { keys: 3, lua: PROMOTE },
  deadLetter: { keys: 2, lua: DEAD_LETTER },
  extend: { keys: 1, lua: EXTEND },
  handBack: { keys: 1, lua: HAND_BACK },
  reclaim: { keys: 1, lua: RECLAIM },
  cleanupConsumers: { keys: 1, lua: CLEANUP_CONSUMERS },
  trim: { keys: 1, lua: TRIM },
  stats: { keys: 2, lua: STATS },
  replay: { keys: 2, lua: REPLAY },
  purgeAll: { keys: 1, lua: PURGE_ALL },
};

/** Registers every script on `client` (prefixed `sl_`, so it clashes with nothing) and returns typed calls. */
export function queueScripts(client: Redis): QueueScripts {
  const calls: Record<string, (...args: Arg[]) => Reply> = {};
  for (const [name, { keys, lua }] of Object.entries(DEFINITIONS)) {
    const command = `sl_${name}`;
    client.defineCommand(command, keys === undefined ? { lua } : { numberOfKeys: keys, lua });
    const fn = (client as unknown as Record<string, (...args: Arg[]) => Reply>)[command]!;
    calls[name] = (...args: Arg[]) => fn.apply(client, args);
  }
  return calls as unknown as QueueScripts;
}

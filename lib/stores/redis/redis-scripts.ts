/**
 * Lua for RedisStore. Each script touches exactly one key (KEYS[1]), so it is
 * atomic and Cluster-safe. Records are written by RedisStore with a fixed
 * header, `{"version":V,"expiresAt":E,...`, which the scripts read with an
 * anchored pattern instead of decoding the whole record, and nothing is
 * re-encoded (a cjson round trip would turn `[]` into `{}` and round numbers
 * to 14 significant digits).
 * They reply with the integers 1 (done) or 0 (nothing done), which read the
 * same under RESP2 and RESP3 (TOUCH may answer a tag instead of 1).
 */

/**
 * The header every record of ours starts with. `get` reads a value without it
 * as missing, so what `get` can read is exactly what the scripts can update.
 */
export const RECORD_HEADER = /^\{"version":\d+,"expiresAt":-?\d+,/;

/** Lua: `now`, Redis's own clock in epoch ms (one clock for every app server, whatever theirs say). */
export const REDIS_NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Lua that answers 2 (refused) once Redis's clock is past the deadline in ARGV[n] (epoch ms). */
function refusedPastDeadline(n: number): string {
  return `${REDIS_NOW_MS}
if now > tonumber(ARGV[${n}]) then return 2 end`;
}

/**
 * ARGV: expected version, new record JSON, ttl in ms, deadline (epoch ms, '0'
 * for none). Missing key = conflict: never resurrect. Past its deadline the
 * write is refused (2): the client has stopped waiting and answered 503, so
 * a write that reaches Redis late (a paused server, a slow network) must not land.
 */
export const COMPARE_AND_SET = `
if ARGV[4] ~= '0' then
  ${refusedPastDeadline(4)}
end
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.match(current, '^{"version":(%d+),') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/**
 * ARGV: record JSON, ttl in ms, deadline (epoch ms). A new id's first write
 * (a new session, the new id of a regenerate), refused past its deadline (2)
 * as COMPARE_AND_SET is: a client that answered 503 must not find the record
 * written later, where nobody's cookie names it.
 */
export const SET_BEFORE_DEADLINE = `
${refusedPastDeadline(3)}
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/**
 * ARGV: new expiresAt, ttl in ms. Rewrites expiresAt in place and the key's
 * TTL; a missing key stays missing. A tagged record (its tag follows
 * expiresAt) answers its tag as the JSON string it is stored as, so
 * RedisStore can extend the tag's index entry too.
 */
export const TOUCH = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local _, stop, head = string.find(current, '^({"version":%d+,"expiresAt":)%-?%d+')
if not stop then return 0 end
redis.call('SET', KEYS[1], head .. ARGV[1] .. string.sub(current, stop + 1), 'PX', ARGV[2])
if string.sub(current, stop + 1, stop + 8) ~= ',"tag":"' then return 1 end
local i = stop + 9
while i <= #current do
  local c = string.byte(current, i)
  if c == 92 then i = i + 2
  elseif c == 34 then return string.sub(current, stop + 8, i)
  else i = i + 1 end
end
return 1
`;

/** ARGV: expected version. Deletes the key only at that version; a missing key counts as deleted. */
export const DESTROY_IF_VERSION = `
local current = redis.call('GET', KEYS[1])
if not current then return 1 end
if string.match(current, '^{"version":(%d+),') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

-- The Redis ceremony store's two operations, each atomic (RedisCeremonyStore loads this script once).
--
-- ARGV[1] is the operation:
--   put  id state ttl-ms client-limit client places bound networks
--        stores a ceremony; returns {-1, evicted} when stored, {-2, 0} when the request id is taken already,
--        or {ms, 0} when the client is at its limit (ms until its oldest pending ceremony expires)
--   take id
--        removes and returns the state (nil when unknown or expired), giving back its places
--
-- Keys are named here from the arguments and from stored values, so the store needs one Redis, not a cluster.
-- Every key has an expiry: the state's keys the ceremony timeout, the bookkeeping a day past its last use.

local STATE = 'webauthn:ceremony:'                -- id -> state
local CLIENT = 'webauthn:ceremony-client:'        -- id -> client that started it
local PENDING = 'webauthn:pending:'               -- client -> its pending ids, scored by expiry
local PLACES = 'webauthn:pending-places:'         -- client -> id -> places, and their sum under '*'
-- The bound in all: every counted id by expiry, its entry (places, client, networks), and the places they take.
local ALL = 'webauthn:ceremonies'
local ENTRIES = 'webauthn:ceremony-entries'
local TOTAL = 'webauthn:ceremony-places'
-- The shares a full store gives way by: the root's members are networks (n:) or clients (c:), scored by the places
-- under them; a network's members are in SHARES .. ':' .. its member, a client's ceremonies in its PENDING set.
local SHARES = 'webauthn:shares'
local ARRIVALS = 'webauthn:shares-arrivals'
local KEEP = 86400000

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function split(text)
  local fields = {}
  for field in string.gmatch(text, '[^ ]+') do fields[#fields + 1] = field end
  return fields
end

-- The share keys from the root down and each one's member on the way to a client: parents[i] holds members[i].
local function path(client, networks)
  local members = {}
  for _, network in ipairs(networks) do members[#members + 1] = 'n:' .. network end
  members[#members + 1] = 'c:' .. client
  local parents = { SHARES }
  for i = 2, #members do parents[i] = SHARES .. ':' .. members[i - 1] end
  return parents, members
end

-- Frees a ceremony's places in its client's own limit (again is harmless).
local function unpend(client, id)
  redis.call('ZREM', PENDING .. client, id)
  local held = redis.call('HGET', PLACES .. client, id)
  if held then
    redis.call('HINCRBY', PLACES .. client, '*', -tonumber(held))
    redis.call('HDEL', PLACES .. client, id)
  end
end

-- Gives back the places of a counted id (once: it leaves ALL here), in the bound, the shares and its client's limit.
local function release(id)
  if redis.call('ZREM', ALL, id) == 0 then return end
  local entry = redis.call('HGET', ENTRIES, id)
  if not entry then return end
  redis.call('HDEL', ENTRIES, id)
  local fields = split(entry)
  local places, client = tonumber(fields[1]), fields[2]
  if redis.call('DECRBY', TOTAL, places) <= 0 then redis.call('DEL', TOTAL) end
  local parents, members = path(client, { unpack(fields, 3) })
  for i = 1, #members do
    -- Below one place a member holds nothing (its fraction only orders equals): it leaves its parent.
    if tonumber(redis.call('ZINCRBY', parents[i], -places, members[i])) < 1 then
      redis.call('ZREM', parents[i], members[i])
    end
  end
  unpend(client, id)
end

-- The counted id that gives way: the heaviest member at every level down, then that client's oldest ceremony.
local function heaviest()
  local key = SHARES
  -- A network, a network in it, a client: the walk is never deeper, whatever the stored keys say.
  for _ = 1, 4 do
    local top = redis.call('ZREVRANGE', key, 0, 0)[1]
    if not top then return nil end
    if string.sub(top, 1, 2) == 'c:' then
      local id = redis.call('ZRANGE', PENDING .. string.sub(top, 3), 0, 0)[1]
      if id and redis.call('ZSCORE', ALL, id) then return id end
      return nil
    end
    key = SHARES .. ':' .. top
  end
  return nil
end

if ARGV[1] == 'take' then
  local id = ARGV[2]
  local state = redis.call('GETDEL', STATE .. id)
  local client = redis.call('GETDEL', CLIENT .. id)
  if client then unpend(client, id) end
  release(id)
  return state
end

local id, state, ttl, limit, client = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local places, bound, networks = tonumber(ARGV[7]), tonumber(ARGV[8]), split(ARGV[9])

-- Expired ceremonies give their places back: a few every time, all of them when the bound is reached.
for _, old in ipairs(redis.call('ZRANGEBYSCORE', ALL, '-inf', now, 'LIMIT', 0, 16)) do release(old) end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', PENDING .. client, '-inf', now)) do unpend(client, old) end

-- The client's own limit; one ceremony always fits, whatever its size.
local held = tonumber(redis.call('HGET', PLACES .. client, '*') or '0')
if redis.call('ZCARD', PENDING .. client) > 0 and held + places > limit then
  local oldest = redis.call('ZRANGE', PENDING .. client, 0, 0, 'WITHSCORES')
  return { math.max(0, tonumber(oldest[2]) - now), 0 }
end
-- Request ids are random; a taken one is refused rather than counted twice.
if redis.call('EXISTS', STATE .. id) == 1 then return { -2, 0 } end

-- The bound in all: the heaviest share gives way until the new ceremony fits (alone, it fits whatever its size).
local evicted = 0
while tonumber(redis.call('GET', TOTAL) or '0') + places > bound do
  local oldest = redis.call('ZRANGE', ALL, 0, 0, 'WITHSCORES')
  if #oldest == 0 then
    redis.call('DEL', TOTAL)  -- nothing counted: whatever the total says is stale
    break
  end
  if tonumber(oldest[2]) <= now then
    release(oldest[1])
  else
    -- Shares that disagree with the ids (a part evicted by Redis, an older replica's write) fall back to the oldest.
    local victim = heaviest() or oldest[1]
    redis.call('DEL', STATE .. victim, CLIENT .. victim)
    release(victim)
    evicted = evicted + 1
  end
end

release(id)  -- an id whose state expired but is still counted: counted once
redis.call('SET', STATE .. id, state, 'PX', ttl)
redis.call('SET', CLIENT .. id, client, 'PX', ttl)
if redis.call('ZCARD', PENDING .. client) == 0 then redis.call('DEL', PLACES .. client) end
redis.call('ZADD', PENDING .. client, now + ttl, id)
redis.call('PEXPIRE', PENDING .. client, ttl)
redis.call('HSET', PLACES .. client, id, places)
redis.call('HINCRBY', PLACES .. client, '*', places)
redis.call('PEXPIRE', PLACES .. client, ttl)

redis.call('ZADD', ALL, now + ttl, id)
redis.call('HSET', ENTRIES, id, places .. ' ' .. client .. ' ' .. ARGV[9])
redis.call('INCRBY', TOTAL, places)
local parents, members = path(client, networks)
for i = 1, #members do
  if redis.call('ZSCORE', parents[i], members[i]) then
    redis.call('ZINCRBY', parents[i], places, members[i])
  else
    -- A new member's fraction below one place orders equals: the earlier it came, the larger, the sooner it goes.
    local arrival = redis.call('INCR', ARRIVALS) % 536870912
    redis.call('ZADD', parents[i], string.format('%.17g', places + 0.5 - arrival / 1073741824), members[i])
  end
  redis.call('PEXPIRE', parents[i], KEEP + ttl)
end
for _, key in ipairs({ ALL, ENTRIES, TOTAL, ARRIVALS }) do redis.call('PEXPIRE', key, KEEP + ttl) end
return { -1, evicted }

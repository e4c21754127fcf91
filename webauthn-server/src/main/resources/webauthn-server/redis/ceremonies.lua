-- The Redis ceremony store's two operations, each atomic (RedisCeremonyStore runs this script by its digest).
--
-- ARGV[1] is the operation:
--   put  id state ttl-ms client-limit client places bound networks
--        stores a ceremony; returns {code, evicted, repaired}: code -1 when stored, -2 when the request id is taken
--        already, else the milliseconds until the client's oldest pending ceremony expires (the client is at its
--        limit); evicted, how many ceremonies gave way; repaired, 1 when the bookkeeping disagreed and was mended
--   take id
--        removes and returns the state (nil when unknown or expired), giving back its places
--
-- Keys are named here from the arguments and from stored values, so the store needs one Redis, not a cluster.
-- Every key has an expiry: a state's keys and its client's limit the ceremony timeout, the bookkeeping of the bound
-- a day past its last use (so that Redis, evicting the keys nearest to expiry, evicts it last).

local STATE = 'webauthn:ceremony:'                -- id -> state
local CLIENT = 'webauthn:ceremony-client:'        -- id -> client that started it
local PENDING = 'webauthn:pending:'               -- client -> its pending ids, scored by expiry
local PLACES = 'webauthn:pending-places:'         -- client -> id -> places, and their sum under '*'
-- The bound in all: every counted id by expiry, its entry (places, client, networks), and the places they take.
local ALL = 'webauthn:ceremonies'
local ENTRIES = 'webauthn:ceremony-entries'
local TOTAL = 'webauthn:ceremony-places'
-- The shares a full store gives way by: the root's members are networks (n:) or clients (c:), scored by the places
-- under them; a member's own members are in SHARES .. ':' .. member, a client's counted ids (by expiry) likewise.
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

-- Extends a key's expiry to ms from now, never shortens it (replicas may have different ceremony timeouts).
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
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

-- Takes places off a member and the members above it, from the bottom up; one left with less than a place leaves its
-- parent (the fraction below one place only orders equals). A member already gone was taken off above when it went.
local function subtract(parents, members, last, places)
  for i = last, 1, -1 do
    if not redis.call('ZSCORE', parents[i], members[i]) then return end
    if tonumber(redis.call('ZINCRBY', parents[i], -places, members[i])) < 1 then
      redis.call('ZREM', parents[i], members[i])
    end
  end
end

-- Adds a counted id's places to its shares on the way to its client, and the id to its client's leaf.
local function share(id, places, client, networks, expiry)
  local parents, members = path(client, networks)
  for i = 1, #members do
    if redis.call('ZSCORE', parents[i], members[i]) then
      redis.call('ZINCRBY', parents[i], places, members[i])
    else
      -- New to its parent, so nothing under it is counted: whatever is there was lost and goes.
      redis.call('DEL', SHARES .. ':' .. members[i])
      -- Its fraction below one place orders equals: the earlier it came, the larger, the sooner it goes.
      local arrival = redis.call('INCR', ARRIVALS) % 536870912
      redis.call('PEXPIRE', ARRIVALS, KEEP)
      redis.call('ZADD', parents[i], string.format('%.17g', places + 0.5 - arrival / 1073741824), members[i])
    end
    redis.call('PEXPIRE', parents[i], KEEP)
  end
  local leaf = SHARES .. ':' .. members[#members]
  redis.call('ZADD', leaf, expiry, id)
  redis.call('PEXPIRE', leaf, KEEP)
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

-- Gives back an id's places in the bound, the shares and its client's limit; once, as its entry goes. False when it
-- had no entry (a replica of the previous version stored it, or it was released already).
local function release(id)
  redis.call('ZREM', ALL, id)
  local entry = redis.call('HGET', ENTRIES, id)
  if not entry then return false end
  redis.call('HDEL', ENTRIES, id)
  local fields = split(entry)
  local places, client = tonumber(fields[1]), fields[2]
  if redis.call('DECRBY', TOTAL, places) <= 0 then redis.call('DEL', TOTAL) end
  local parents, members = path(client, { unpack(fields, 3) })
  subtract(parents, members, #members, places)
  redis.call('ZREM', SHARES .. ':' .. members[#members], id)
  unpend(client, id)
  return true
end

-- Redis lost part of the bookkeeping (it evicts keys when full; an operator may delete some): everything is counted
-- again from the entries. An expiry without its entry is dropped (its places are unknown), an entry without its
-- expiry counts until the longest a ceremony started now may live, and the shares are built again. One pass over
-- what is counted, which WEBAUTHN_PENDING_LIMIT bounds.
local function repair(ttl)
  local expiries = {}
  local counted = redis.call('ZRANGE', ALL, 0, -1, 'WITHSCORES')
  for i = 1, #counted, 2 do expiries[counted[i]] = counted[i + 1] end
  redis.call('DEL', ALL)
  -- The old shares, three levels down from the root (networks, networks in them, clients' leaves).
  local doomed = { SHARES }
  local i = 1
  while i <= #doomed do
    -- A leaf's members are request ids, not shares: only the root and networks lead further down.
    if i == 1 or string.sub(doomed[i], #SHARES + 2, #SHARES + 3) == 'n:' then
      for _, member in ipairs(redis.call('ZRANGE', doomed[i], 0, -1)) do doomed[#doomed + 1] = SHARES .. ':' .. member end
    end
    i = i + 1
  end
  for _, key in ipairs(doomed) do redis.call('DEL', key) end
  local total = 0
  local entries = redis.call('HGETALL', ENTRIES)
  for j = 1, #entries, 2 do
    local id, fields = entries[j], split(entries[j + 1])
    local places = tonumber(fields[1])
    local expiry = expiries[id] or (now + ttl)
    redis.call('ZADD', ALL, expiry, id)
    share(id, places, fields[2], { unpack(fields, 3) }, expiry)
    total = total + places
  end
  if total > 0 then redis.call('SET', TOTAL, total, 'PX', KEEP) else redis.call('DEL', TOTAL) end
  redis.call('PEXPIRE', ALL, KEEP)
end

-- The counted id that gives way: the heaviest member at every level down, then that client's oldest ceremony. What
-- the walk finds holding nothing counted (lost bookkeeping) is pruned, and it walks again; nil if that goes on.
local function heaviest()
  for _ = 1, 64 do
    local parents, members, key, id = { SHARES }, {}, SHARES, nil
    for _ = 1, 4 do
      local top = redis.call('ZREVRANGE', key, 0, 0)[1]
      if not top then break end
      members[#members + 1] = top
      key = SHARES .. ':' .. top
      if string.sub(top, 1, 2) == 'c:' then
        id = redis.call('ZRANGE', key, 0, 0)[1]
        break
      end
      parents[#parents + 1] = key
    end
    if id and redis.call('HEXISTS', ENTRIES, id) == 1 then return id end
    if id then
      redis.call('ZREM', key, id)
    elseif #members == 0 then
      return nil
    else
      -- The deepest member has nothing under it: its places are lost ones, taken off it and the members above.
      local last = #members
      local lost = math.floor(tonumber(redis.call('ZSCORE', parents[last], members[last])))
      subtract(parents, members, last, lost)
      redis.call('ZREM', parents[last], members[last])
    end
  end
  return nil
end

if ARGV[1] == 'take' then
  local id = ARGV[2]
  local state = redis.call('GETDEL', STATE .. id)
  local client = redis.call('GETDEL', CLIENT .. id)
  if not release(id) and client then unpend(client, id) end
  return state
end

local id, state, ttl, limit, client = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local places, bound, networks = tonumber(ARGV[7]), tonumber(ARGV[8]), split(ARGV[9])

local repaired = 0
local counted = redis.call('ZCARD', ALL)
if counted ~= redis.call('HLEN', ENTRIES) or (counted > 0) ~= (redis.call('EXISTS', TOTAL) == 1) then
  repair(ttl)
  repaired = 1
end

-- Expired ceremonies give their places back: a few every time, all of them when the bound is reached.
for _, old in ipairs(redis.call('ZRANGEBYSCORE', ALL, '-inf', now, 'LIMIT', 0, 16)) do release(old) end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', PENDING .. client, '-inf', now)) do unpend(client, old) end

-- The client's own limit; one ceremony always fits, whatever its size.
local held = tonumber(redis.call('HGET', PLACES .. client, '*') or '0')
if redis.call('ZCARD', PENDING .. client) > 0 and held + places > limit then
  local oldest = redis.call('ZRANGE', PENDING .. client, 0, 0, 'WITHSCORES')
  return { math.max(0, tonumber(oldest[2]) - now), 0, repaired }
end
-- Request ids are random; a taken one is refused rather than counted twice, and one whose state expired but is
-- still counted gives its places back first.
if redis.call('EXISTS', STATE .. id) == 1 then return { -2, 0, repaired } end
release(id)

-- The bound in all: the heaviest share gives way until the new ceremony fits (alone, it fits whatever its size).
local evicted = 0
while tonumber(redis.call('GET', TOTAL) or '0') + places > bound do
  -- More given way than the new ceremony needs places: the total said more than is counted (or a replica with a
  -- larger bound filled the store; every replica should have the same one). Counted again once, then on.
  if evicted == places + 1 and repaired == 0 then
    repair(ttl)
    repaired = 1
  end
  local oldest = redis.call('ZRANGE', ALL, 0, 0, 'WITHSCORES')
  if #oldest == 0 then
    redis.call('DEL', TOTAL)
    repaired = 1
    break
  end
  if tonumber(oldest[2]) <= now then
    release(oldest[1])
  else
    local victim = heaviest()
    if not victim then
      victim = oldest[1]
      repaired = 1
    end
    redis.call('DEL', STATE .. victim, CLIENT .. victim)
    release(victim)
    evicted = evicted + 1
  end
end

redis.call('SET', STATE .. id, state, 'PX', ttl)
redis.call('SET', CLIENT .. id, client, 'PX', ttl)
if redis.call('ZCARD', PENDING .. client) == 0 then redis.call('DEL', PLACES .. client) end
redis.call('ZADD', PENDING .. client, now + ttl, id)
redis.call('HSET', PLACES .. client, id, places)
redis.call('HINCRBY', PLACES .. client, '*', places)
keep(PENDING .. client, ttl)
keep(PLACES .. client, ttl)

redis.call('ZADD', ALL, now + ttl, id)
redis.call('HSET', ENTRIES, id, places .. ' ' .. client .. ' ' .. ARGV[9])
redis.call('INCRBY', TOTAL, places)
share(id, places, client, networks, now + ttl)
-- A day, whatever the ceremony timeout (at most 30 minutes): longer than any ceremony it counts.
for _, key in ipairs({ ALL, ENTRIES, TOTAL }) do redis.call('PEXPIRE', key, KEEP) end
return { -1, evicted, repaired }

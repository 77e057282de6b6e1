-- Adds wake-ups (ARGV: time, member pairs), each into the bucket that holds its time.
-- An entry of the same member elsewhere stays: it is stale, and acting on it changes
-- nothing.

-- Moves the entries of a head from time `from` on into a new head starting there.
local function split(head, from)
  local key = bucket(head)
  local moved = redis.call('ZRANGE', key, from, '+inf', 'BYSCORE', 'WITHSCORES')
  local entries = {}
  for i = 1, #moved, 2 do
    entries[#entries + 1] = moved[i + 1]
    entries[#entries + 1] = moved[i]
  end
  redis.call('ZADD', bucket(from), unpack(entries))
  redis.call('ZREMRANGEBYSCORE', key, from, '+inf')
  redis.call('ZADD', top, from, from)
end

-- Turns a full head whose entries are all due at its start into a tie; the head starts
-- anew, empty.
local function spill(head)
  local n = redis.call('ZCOUNT', top, head, head)
  while redis.call('ZSCORE', top, head .. ':' .. n) or redis.call('EXISTS', bucket(head .. ':' .. n)) == 1 do
    n = n + 1
  end
  redis.call('RENAME', bucket(head), bucket(head .. ':' .. n))
  redis.call('ZADD', top, head, head .. ':' .. n)
end

-- Makes room for time `at` in the full head whose range holds it.
local function make_room(head, at)
  local key = bucket(head)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]
  if tonumber(at) > tonumber(last) then
    -- Later than all it holds (times mostly come in order): a new head, this one full.
    redis.call('ZADD', top, at, at)
    return
  end
  if tonumber(at) == tonumber(last) and tonumber(last) > tonumber(first) then
    -- At its last time: only the entries at that time move to a new head.
    return split(head, last)
  end
  local middle = redis.call('ZRANGE', key, FULL / 2, FULL / 2, 'WITHSCORES')[2]
  if tonumber(middle) > tonumber(first) then
    return split(head, middle)
  end
  local above = redis.call('ZRANGE', key, '(' .. first, '+inf', 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')[2]
  if above then
    return split(head, above)
  end
  -- All due at one time.
  if tonumber(first) > tonumber(head) then
    -- A head of their own; this one stays, empty, for the earlier time `at`.
    redis.call('RENAME', key, bucket(first))
    redis.call('ZADD', top, first, first)
    return
  end
  spill(head)
end

local function add(at, member)
  -- Making room at most three times leaves room (split; or move, then spill).
  for attempt = 1, 4 do
    local head = head_for(at)
    if not head then
      head = at
      redis.call('ZADD', top, at, head)
    end
    local key = bucket(head)
    local room = redis.call('ZSCORE', key, member) or redis.call('ZCARD', key) < FULL
    if room or attempt == 4 then
      redis.call('ZADD', key, at, member)
      return
    end
    make_room(head, at)
  end
end

for i = 1, #ARGV, 2 do
  add(ARGV[i], ARGV[i + 1])
end
return #ARGV / 2

-- The wake-up index's buckets, shared by its scripts.
--
-- KEYS[1] lists the buckets: one member per bucket, scored by the bucket's start time (ms).
-- A bucket is the sorted set KEYS[1] .. ':' .. name. Its key carries KEYS[1]'s hash tag
-- {schedule}, so Redis Cluster keeps every bucket in the slot of the key the script is
-- given; the scripts name bucket keys themselves, which is sound only because of that.
--
-- Two kinds of bucket:
--  * a head, named by its start time, holds the entries from its start up to the next
--    head's start;
--  * a tie, named start .. ':' .. n, holds only entries due exactly at its start: a head
--    filled with one time spills into ties, so even 20,000 wake-ups due in one millisecond
--    stay in small buckets.
-- A bucket holds at most FULL entries, so Redis keeps it as a listpack (a few bytes an
-- entry) rather than a skiplist (about 128 bytes an entry).
local top = KEYS[1]
local FULL = 128 -- zset-max-listpack-entries, Redis's default

local function bucket(name)
  return top .. ':' .. name
end

local function is_head(name)
  return string.find(name, ':', 1, true) == nil
end

-- The head whose range holds time `at` (a score), or nil.
local function head_for(at)
  local below = at
  while true do
    local found = redis.call('ZRANGE', top, below, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 1, 'WITHSCORES')
    if #found == 0 then
      return nil
    end
    local name, start = found[1], found[2]
    if is_head(name) then
      return name
    end
    -- A tie sorts after its own head (same score, longer name): that head, if any.
    if redis.call('ZSCORE', top, start) then
      return start
    end
    below = '(' .. start
  end
end

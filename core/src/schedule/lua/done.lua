-- Takes out wake-ups acted on (ARGV: member, time pairs), each only where it is still at
-- that time: an entry moved later in its bucket meanwhile stays. Buckets left empty leave
-- the list. Returns how many entries went.
local removed = 0
local touched = {}
local in_ties, tie_times = {}, {}

local function take_out(name, member)
  local n = redis.call('ZREM', bucket(name), member)
  removed = removed + n
  touched[name] = true
end

for i = 1, #ARGV, 2 do
  local member, at = ARGV[i], ARGV[i + 1]
  local head = head_for(at)
  local score = head and redis.call('ZSCORE', bucket(head), member)
  if score and tonumber(score) == tonumber(at) then
    take_out(head, member)
  else
    if not in_ties[at] then
      in_ties[at] = {}
      tie_times[#tie_times + 1] = at
    end
    table.insert(in_ties[at], member)
  end
end

-- Ties hold only entries due at their start: being there is being at that time.
-- They are read a few at a time: `due` hands out the first ties first, so those are where
-- the members are, even when thousands of ties share the time.
local function from_ties(at, wanted)
  local offset = 0
  while #wanted > 0 do
    local names = redis.call('ZRANGE', top, at, at, 'BYSCORE', 'LIMIT', offset, 8)
    if #names == 0 then
      return
    end
    offset = offset + #names
    for _, name in ipairs(names) do
      if #wanted > 0 and not is_head(name) then
        local present = redis.call('ZMSCORE', bucket(name), unpack(wanted))
        local still = {}
        for j, member in ipairs(wanted) do
          if present[j] then
            take_out(name, member)
          else
            still[#still + 1] = member
          end
        end
        wanted = still
      end
    end
  end
end

for _, at in ipairs(tie_times) do
  from_ties(at, in_ties[at])
end

for name in pairs(touched) do
  if redis.call('EXISTS', bucket(name)) == 0 then
    redis.call('ZREM', top, name)
  end
end
return removed

-- The entries due by ARGV[1] (ms, or '+inf'), earliest first, at most ARGV[2]: member,
-- time pairs.
local now, left = ARGV[1], tonumber(ARGV[2])
local out = {}

local function take(found)
  for i = 1, #found do
    out[#out + 1] = found[i]
  end
  left = left - #found / 2
end

-- Buckets come in start order. A head's entries reach up to the next head's start, so a
-- head is read piecewise: up to each later bucket's start before that bucket is read.
local head, from = nil, nil
local offset = 0
while left > 0 do
  local page = redis.call('ZRANGE', top, '-inf', now, 'BYSCORE', 'LIMIT', offset, 32, 'WITHSCORES')
  if #page == 0 then
    break
  end
  offset = offset + #page / 2
  for i = 1, #page, 2 do
    local name, start = page[i], page[i + 1]
    if head and left > 0 then
      take(redis.call('ZRANGE', bucket(head), from, '(' .. start, 'BYSCORE', 'LIMIT', 0, left, 'WITHSCORES'))
      from = start
    end
    if left <= 0 then
      break
    end
    if is_head(name) then
      head, from = name, start
    else
      take(redis.call('ZRANGE', bucket(name), 0, left - 1, 'WITHSCORES'))
    end
  end
end
if head and left > 0 then
  take(redis.call('ZRANGE', bucket(head), from, now, 'BYSCORE', 'LIMIT', 0, left, 'WITHSCORES'))
end
return out

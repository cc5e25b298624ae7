-- ARGV: 1 client id, 2 now, 3 retention ms.
local rec = load()
if not rec or rec.clientId ~= ARGV[1] then return { 'not_found' } end
local now = tonumber(ARGV[2])
refresh(rec, now, tonumber(ARGV[3]))
if rec.status ~= 'pending' then return { 'not_pending', rec.status } end
finish(rec, 'canceled', now, tonumber(ARGV[3]))
return { 'ok', cjson.encode(rec) }

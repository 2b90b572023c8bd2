-- Applies one catalog change to its content's hash, guarded by version: a replayed or older write
-- never overwrites a newer one (sinks/redis/catalog-sink.ts; docs/redis-keys.md).
--
-- KEYS[1]  the content's hash, <prefix>:catalog:<contentId>
-- ARGV[1]  version (integer)
-- ARGV[2]  source partition of the catalog record
-- ARGV[3]  source offset of the catalog record (one content's records share one partition)
-- ARGV[4]  "1" for a delete, "0" for an update
-- ARGV[5]  the content's fields as a JSON object of strings ("{}" for a delete)
-- ARGV[6]  when it was applied (epoch ms)
--
-- Returns 1 when applied; 0 when the hash holds a newer version, or this version from this offset
-- or a later one (catalog-sync forwards an equal version only when it won the conflict rule, so a
-- later offset of the same version is the winner).
local held_version = tonumber(redis.call('HGET', KEYS[1], 'version'))
local version = tonumber(ARGV[1])
if held_version ~= nil then
  if held_version > version then
    return 0
  end
  if held_version == version then
    local held_offset = tonumber(redis.call('HGET', KEYS[1], 'sourceOffset'))
    if held_offset ~= nil and held_offset >= tonumber(ARGV[3]) then
      return 0
    end
  end
end
redis.call('DEL', KEYS[1])
local fields = cjson.decode(ARGV[5])
local args = { 'version', ARGV[1], 'sourcePartition', ARGV[2], 'sourceOffset', ARGV[3], 'deleted', ARGV[4], 'appliedAtMs', ARGV[6] }
for name, value in pairs(fields) do
  table.insert(args, name)
  table.insert(args, value)
end
redis.call('HSET', KEYS[1], unpack(args))
return 1

-- Request generators. run.py prepends the settings (SCENARIO, API_KEY, number ranges) and appends report.lua.
-- Each wrk thread has its own Lua state and its own id, so the numbers it generates never collide.
local counter = 0
local threads = {}

setup = function(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local function post(path, body)
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["X-API-Key"] = API_KEY}, body)
end

local generators = {
  get = function()
    return wrk.format("GET", PATH)
  end,
  parent_scan = function()
    -- Re-scan empty parents set aside for this run, as an operator picking up the next bag does.
    local parent = PARENT_BASE + thread_id * PARENTS_PER_THREAD + counter % PARENTS_PER_THREAD
    return post("/api/v1/scans/parent", string.format('{"qr_id":"SB%d"}', parent))
  end,
  child_scan = function()
    -- Like a floor of operators each filling their own parent: ACTIVE_PARENTS parents take turns, and
    -- each block of 30 x ACTIVE_PARENTS scans fills them exactly, so every request should succeed.
    local child = CHILD_BASE + thread_id * 1000000 + counter
    local block = math.floor(counter / (30 * ACTIVE_PARENTS))
    local parent = PARENT_BASE + thread_id * PARENTS_PER_THREAD + block * ACTIVE_PARENTS + counter % ACTIVE_PARENTS
    return post("/api/v1/scans/child", string.format('{"qr_id":"CB%d","parent_qr_id":"SB%d"}', child, parent))
  end,
  lookup = function()
    -- Alternate between seeded parents and seeded children, walking through all of them; each row starts its
    -- walk at WALK_START, past where the rows before it went.
    local n = WALK_START + thread_id * 7919 + counter
    local path
    if n % 2 == 0 then
      path = string.format("/api/v1/bags/SB%d", 10000 + math.floor(n / 2) % SEEDED_PARENTS)
    else
      path = string.format("/api/v1/bags/CB%d", 10000 + math.floor(n / 2) % SEEDED_CHILDREN)
    end
    return wrk.format("GET", path, {["X-API-Key"] = API_KEY})
  end,
}

-- Paced rows (RATE > 0): each thread sends its share of RATE requests a second on a fixed schedule, as scanners
-- with people behind them do, instead of a new request the moment an answer arrives. A connection that
-- answers late loses its slot's wait, so the schedule catches up; latency is timed from the send as usual.
if RATE > 0 then
  local ffi = require("ffi")
  ffi.cdef([[
    typedef struct { long tv_sec; long tv_nsec; } tracetrack_timespec;
    int clock_gettime(int clock, tracetrack_timespec *now);
  ]])
  local clock = ffi.new("tracetrack_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
    return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
  end
  local interval_ms = WRK_THREADS * 1000 / RATE
  local slot = nil
  delay = function()
    local now = now_ms()
    if slot == nil then slot = now end
    local wait = slot - now
    slot = slot + interval_ms
    return wait > 0 and math.floor(wait + 0.5) or 0
  end
end

request = function()
  local generated = generators[SCENARIO]()
  counter = counter + 1
  return generated
end

-- Lookups say whether the cache answered (X-Cache: hit or miss); each thread counts, report.lua adds up.
cache_hits, cache_lookups = 0, 0
if SCENARIO == "lookup" then
  response = function(status, headers, body)
    if headers["X-Cache"] then
      cache_lookups = cache_lookups + 1
      if headers["X-Cache"] == "hit" then cache_hits = cache_hits + 1 end
    end
  end
end

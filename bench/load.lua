-- wrk script for the Cocreate benchmark (bench/run.py sets the environment and parses the output).
--
--   BENCH_MODE=get    plain GETs of the URL given to wrk; BENCH_COOKIE, when set, is sent as Cookie,
--                     BENCH_AUTHORIZATION as Authorization (the API's bearer token).
--   BENCH_MODE=vote   POSTs that cast and withdraw votes. Request k works on pair p = k/2 of
--                     (idea, member session): even k casts a vote on pair p, odd k withdraws the vote
--                     cast LAG pairs earlier. Consecutive requests touch different ideas, so the run
--                     measures the vote path rather than one hot row lock, every request changes a row,
--                     and a pair's cast and withdrawal are never in flight together.
--     BENCH_IDEAS      comma-separated idea ids
--     BENCH_SESSIONS   comma-separated session keys, one per member
--     BENCH_CSRF       the CSRF secret sent both as cookie and as X-CSRFToken header
--     BENCH_OFFSET     where k starts, so consecutive runs go on where the last one stopped
--     BENCH_SESSION_COOKIE  name of the session cookie (default sessionid)
--
-- Run it with one wrk thread (-t1): k is per thread. done() prints one line, BENCHJSON {...}.

local LAG = 64

local function split(text)
  local items = {}
  for item in string.gmatch(text or "", "[^,]+") do
    items[#items + 1] = item
  end
  return items
end

local mode = os.getenv("BENCH_MODE") or "get"

if mode == "get" then
  local cookie = os.getenv("BENCH_COOKIE") or ""
  if cookie ~= "" then
    wrk.headers["Cookie"] = cookie
  end
  local authorization = os.getenv("BENCH_AUTHORIZATION") or ""
  if authorization ~= "" then
    wrk.headers["Authorization"] = authorization
  end
elseif mode == "vote" then
  local ideas = split(os.getenv("BENCH_IDEAS"))
  local sessions = split(os.getenv("BENCH_SESSIONS"))
  local csrf = os.getenv("BENCH_CSRF") or ""
  local session_cookie = os.getenv("BENCH_SESSION_COOKIE") or "sessionid"
  local k = tonumber(os.getenv("BENCH_OFFSET") or "0")
  local pair_count = #ideas * #sessions
  assert(pair_count > 2 * LAG, "vote mode needs more (idea, session) pairs than " .. 2 * LAG)

  local function pair(p)
    p = p % pair_count
    -- idea varies fastest: neighbouring requests lock different idea rows.
    return ideas[p % #ideas + 1], sessions[math.floor(p / #ideas) % #sessions + 1]
  end

  request = function()
    local action, idea, session
    if k % 2 == 0 then
      action = "vote"
      idea, session = pair(k / 2)
    else
      action = "unvote"
      idea, session = pair((k - 1) / 2 - LAG + pair_count)
    end
    k = k + 1
    local headers = {
      ["Cookie"] = session_cookie .. "=" .. session .. "; csrftoken=" .. csrf,
      ["X-CSRFToken"] = csrf,
      ["Accept"] = "application/json",
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }
    return wrk.format("POST", "/ideas/" .. idea .. "/" .. action .. "/", headers, "value=1")
  end
else
  error("BENCH_MODE must be get or vote, not " .. mode)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
end

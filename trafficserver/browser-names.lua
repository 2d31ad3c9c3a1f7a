-- browser-names.lua: a remap plugin (tslua) for the browser names only,
-- *.spacedock.localhost[:port] (remap.config). The app answers as production:
-- a download is counted, then redirected to http://spacedock.info/content/...,
-- a name a browser on this machine cannot reach. For a request that came in
-- under a browser name, such a Location is pointed at the same path under the
-- name the browser used (http://spacedock.localhost:58080/content/...).
-- Requests under production's names never pass here: their answers stay
-- exactly production's.

-- production's public names -> the browser name for the same site
local BROWSER_NAME = {
  ["spacedock.info"] = "spacedock.localhost",
  ["www.spacedock.info"] = "spacedock.localhost",
  ["beta.spacedock.info"] = "beta.spacedock.localhost",
  ["alpha.spacedock.info"] = "alpha.spacedock.localhost",
}

local function point_location_at_the_browser_name()
  local location = ts.client_response.header["Location"]
  if not location then
    return
  end
  local scheme, host, rest = string.match(location, "^(https?)://([^/:]+)(.*)$")
  local browser = host and BROWSER_NAME[string.lower(host)]
  if not browser then
    return
  end
  -- keep the port the browser used (the lab's published port)
  local port = string.match(ts.client_request.header["Host"] or "", ":(%d+)$")
  rest = string.gsub(rest, "^:%d+", "")
  ts.client_response.header["Location"] = scheme .. "://" .. browser .. (port and (":" .. port) or "") .. rest
end

function do_remap()
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, point_location_at_the_browser_name)
  return 0
end

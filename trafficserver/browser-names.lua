-- browser-names.lua: a remap plugin (tslua) for the browser names only,
-- *.spacedock.localhost[:port] (remap.config). The app answers as production:
-- a download is counted, then redirected to https://spacedock.info/content/...,
-- a name a browser on this machine cannot reach. For a request that came in
-- under a browser name, such a Location is pointed at the same path under the
-- name, scheme and port the browser used (http://spacedock.localhost:58080/content/...,
-- or https://spacedock.localhost:58443/content/... on the TLS port).
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
  local host, rest = string.match(location, "^https?://([^/:]+)(.*)$")
  local browser = host and BROWSER_NAME[string.lower(host)]
  if not browser then
    return
  end
  -- keep the scheme and port the browser used (the lab's published ports)
  -- (the request URL is already remapped to the http:// origin here; the
  -- port the client connected to says whether it came over TLS)
  local scheme = ts.client_request.client_addr.get_incoming_port() == 443 and "https" or "http"
  local port = string.match(ts.client_request.header["Host"] or "", ":(%d+)$")
  rest = string.gsub(rest, "^:%d+", "")
  ts.client_response.header["Location"] = scheme .. "://" .. browser .. (port and (":" .. port) or "") .. rest
end

function do_remap()
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, point_location_at_the_browser_name)
  return 0
end

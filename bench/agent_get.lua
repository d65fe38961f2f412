-- bench/agent_get.lua  wrk script: every request carries the admin bearer
-- token, read from $HOTLINE_TOKEN (not a command-line argument, so it does
-- not show in ps). wrk's default request is a keep-alive HTTP/1.1 GET of
-- the URL's path; this only adds the header.
local token = os.getenv("HOTLINE_TOKEN")
if token == nil or token == "" then
	error("agent_get.lua: HOTLINE_TOKEN is not set")
end
wrk.headers["Authorization"] = "Bearer " .. token

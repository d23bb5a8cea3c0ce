-- wrk script for bench/localcloud_load.py: cycles through requests signed in advance.
--
-- Arguments: the requests file and the number of wrk threads. Each line of the file is
-- "METHOD<TAB>PATH<TAB>HEADERS<TAB>BODY", HEADERS being "name: value" pairs joined by 0x1f.
-- Thread k takes lines k, k+threads, k+2*threads, ... so no two threads send the same create.

local counter = 0

function setup(thread)
   thread:set("thread_index", counter)
   counter = counter + 1
end

local prepared = {}
local position = 0

local function split(text, separator)
   local parts = {}
   for part in (text .. separator):gmatch("(.-)" .. separator) do
      parts[#parts + 1] = part
   end
   return parts
end

function init(args)
   local file, threads = args[1], tonumber(args[2])
   local line_number = 0
   for line in io.lines(file) do
      if line_number % threads == thread_index then
         local fields = split(line, "\t")
         local headers = {}
         for _, pair in ipairs(split(fields[3], "\31")) do
            local name, value = pair:match("^([^:]+): (.*)$")
            if name then
               headers[name] = value
            end
         end
         local body = fields[4] ~= "" and fields[4] or nil
         prepared[#prepared + 1] = wrk.format(fields[1], fields[2], headers, body)
      end
      line_number = line_number + 1
   end
end

function request()
   position = position % #prepared + 1
   return prepared[position]
end

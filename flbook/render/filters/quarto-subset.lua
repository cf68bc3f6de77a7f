--[[
quarto-subset.lua: the Quarto markup the flbook chapters use, for plain pandoc.

Input: pandoc's ipynb reader run with --ipynb-output=all on the merged book notebook
written by flbook/render/pandoc_engine.py (every output keeps all its representations;
this filter picks one per target format). Chapter boundaries are empty divs
`::: {.flbook-chapter number="3"}`; part titles come wrapped in `::: {.flbook-part}`.

It does, in book order:
  * code cells: drops `parameters` / `injected-parameters` cells, reads `#|` options,
    hides the code unless `echo: true` (or metadata flbook-echo), picks each output's
    representation for the target, turns `label: fig-*` cells into numbered figures
    (fig-cap, fig-alt) and `label: tbl-*` cells into numbered tables (tbl-cap);
  * Quarto's conditional content: a `.content-visible` or `.content-hidden` div with
    `when-format` / `unless-format` ("html", "html:js", "pdf", "typst", "epub") is kept
    or left out for the target;
  * Quarto callouts (`.callout-note|tip|warning|important|caution`, title from a first
    heading or title="...") into styled boxes (HTML divs, a typst #callout call);
  * numbers chapters (1, 2 … / A, B … from the marker), sections (3.2), figures and
    tables (Figure 3.2, Table A.1);
  * replaces @fig-*, @tbl-*, @sec-* citations with links; an unknown one becomes "??"
    and is reported on stderr as "flbook-warning: ...".
]]

local stringify = pandoc.utils.stringify
-- Table layout shared with the Quarto engine's typst filter (quarto-tables.lua).
local tables = dofile(pandoc.path.join { pandoc.path.directory(PANDOC_SCRIPT_FILE), "tables.lua" })
-- Only HTML runs scripts: EPUB, like typst, gets static images of interactive charts.
local HTML = FORMAT:match("html") ~= nil
local TYPST = FORMAT:match("typst") ~= nil
-- The book website (metadata flbook-site: true): each page starts at a marker comment that
-- pandoc_engine splits on; part titles show in the sidebar rather than as pages.
local SITE = false
local CALLOUT_TITLES = {
  note = "Note", tip = "Tip", warning = "Warning", important = "Important", caution = "Caution",
}
-- Quarto's cross-reference prefixes: fig, tbl and sec are supported; the others are
-- reported as unresolved rather than left as raw "@eq-x" text.
local REF_KINDS = {}
for _, k in ipairs { "fig", "tbl", "sec", "eq", "lst", "thm", "lem", "cor", "prp", "cnj",
  "def", "exm", "exr", "sol", "rem" } do REF_KINDS[k] = true end

local refs = {}         -- id -> text used by cross-references ("Figure 1.2")
local echo_default = false
local chapter = { label = nil, appendix = false, fig = 0, tbl = 0 }
local counters = {}     -- section counters below the chapter level

local function warn(msg)
  io.stderr:write("flbook-warning: " .. msg .. "\n")
end

local function has_class(el, cls)
  return el.classes and el.classes:includes(cls)
end

-- `#| key: value` lines at the top of a code cell: options table and the remaining code.
local function cell_options(code)
  local opts, rest, head = {}, {}, true
  for line in (code .. "\n"):gmatch("([^\n]*)\n") do
    local k, v = line:match("^#|%s*([%w_%-]+)%s*:%s*(.-)%s*$")
    if head and k then
      if v:match('^".*"$') then
        v = (v:sub(2, -2):gsub('\\"', '"'))
      elseif v:match("^'.*'$") then
        v = (v:sub(2, -2):gsub("''", "'"))
      elseif v == "true" or v == "false" then
        v = (v == "true")
      end
      opts[k] = v
    elseif not (head and line:match("^#|")) then
      head = false
      rest[#rest + 1] = line
    end
  end
  return opts, (table.concat(rest, "\n"):gsub("%s+$", ""))
end

local function md_blocks(text)
  return pandoc.read(text, "markdown").blocks
end

local function md_inlines(text)
  local blocks = md_blocks(text)
  return blocks[1] and blocks[1].content or pandoc.Inlines {}
end

-- HTML holding a table (a pandas DataFrame, flbook's show_table) as pandoc blocks: a real
-- table in every format, numeric columns right-aligned; text around the table is kept.
local function html_table(html)
  local blocks = pandoc.read(html, "html").blocks:walk {
    Div = function(d) -- pandas wraps its table in a bare <div>
      if d.identifier == "" and #d.classes == 0 and #d.attributes == 0 then return d.content end
    end,
    -- pandas' <style scoped> is for notebooks (and is not valid XHTML in an EPUB)
    RawBlock = function(r)
      if r.format == "html" and r.text:match("^%s*<style") then return {} end
    end,
    RawInline = function(r)
      if r.format == "html" and r.text:match("^%s*<style") then return {} end
    end,
  }
  return blocks:walk {
    Table = function(t)
      t.attr = pandoc.Attr("", { "dataframe" })
      local numeric = tables.numeric_columns(t)
      for i, spec in ipairs(t.colspecs) do
        if numeric[i] then t.colspecs[i] = { pandoc.AlignRight, spec[2] } end
      end
      return t
    end,
  }
end

-- The representation of one output for this target: a list of blocks, and its kind.
local function choose(output)
  local by = {}
  for _, b in ipairs(output.content) do
    if b.t == "RawBlock" then
      by[b.format] = by[b.format] or b.text
    elseif (b.t == "Para" or b.t == "Plain") and #b.content == 1 and b.content[1].t == "Image" then
      by.image = by.image or b
    elseif b.t == "CodeBlock" and #b.classes == 0 then
      by.plain = by.plain or b
    end
  end
  local html = by.html
  local interactive = html and html:find("<script", 1, true) ~= nil
  local df = html and not interactive and html:find("<table", 1, true) ~= nil
  if HTML then
    if html and df and html:find("dataframe", 1, true) then return html_table(html), "table" end
    if html then return { pandoc.RawBlock("html", html) }, interactive and "interactive" or "html" end
    if by.image then return { by.image }, "image" end
    if by.markdown then return md_blocks(by.markdown), "markdown" end
  else
    if by.image then return { by.image }, "image" end
    if by.markdown then return md_blocks(by.markdown), "markdown" end
    if df then return html_table(html), "table" end
    if html then return {}, interactive and "interactive" or "html" end
  end
  if by.plain then
    -- A bare object repr (`<Axes: ...>`, `[<matplotlib.lines.Line2D at 0x...>]`) is noise.
    if by.plain.text:match("^%[?<[^\n]*>%]?$") then return {}, "none" end
    return { pandoc.Div({ by.plain }, pandoc.Attr("", { "cell-output" })) }, "text"
  end
  return {}, "none"
end

-- Quarto's format names for conditional content: "html" is every HTML-based format
-- (EPUB too), "html:js" those that run scripts, "pdf" the PDF (typst here).
local function format_is(name)
  name = name:lower()
  if name == "html" then return HTML or FORMAT:match("epub") ~= nil end
  if name == "html:js" then return HTML end
  if name == "pdf" or name == "typst" then return TYPST or FORMAT:match("latex") ~= nil end
  if name == "epub" then return FORMAT:match("epub") ~= nil end
  return FORMAT == name
end

local function any_format(list)
  for name in (list or ""):gmatch("[^%s,]+") do
    if format_is(name) then return true end
  end
  return false
end

-- `::: {.content-visible when-format="html"}` / `.content-hidden`: the div's content
-- for this target, or nothing.
local function conditional(blocks)
  return blocks:walk {
    Div = function(d)
      local visible, hidden = has_class(d, "content-visible"), has_class(d, "content-hidden")
      if not (visible or hidden) then return nil end
      local when, unless = d.attributes["when-format"], d.attributes["unless-format"]
      local match = (when == nil or any_format(when)) and not (unless ~= nil and any_format(unless))
      if visible == match then return d.content end
      return {}
    end,
  }
end

local function tags_of(div)
  local ok, tags = pcall(pandoc.json.decode, div.attributes.tags or "[]")
  local set = {}
  for _, t in ipairs(ok and type(tags) == "table" and tags or {}) do set[t] = true end
  return set
end

-- A code cell → the blocks shown in the book.
local function code_cell(div)
  local tags = tags_of(div)
  if tags["parameters"] or tags["injected-parameters"] or tags["remove-cell"]
      or tags["papermill-error-cell-tag"] then
    return {}
  end
  local source = div.content[1] and div.content[1].t == "CodeBlock" and div.content[1] or nil
  local opts, code = cell_options(source and source.text or "")
  if opts.include == false then return {} end
  local out = pandoc.Blocks {}
  local echo = opts.echo
  if echo == nil then echo = echo_default end
  if source and echo == true and not (tags["remove-input"] or tags["hide-input"]) and code ~= "" then
    out:insert(pandoc.CodeBlock(code, pandoc.Attr("", source.classes)))
  end
  if opts.output == false or tags["remove-output"] or tags["hide-output"] then return out end
  local shown, kinds, has = pandoc.Blocks {}, {}, {}
  local streams = {} -- stream name -> {index, text}: consecutive writes show as one block
  for _, o in ipairs(div.content) do
    if o.t == "Div" and has_class(o, "output") then
      if has_class(o, "stream") or has_class(o, "error") then
        local name = has_class(o, "error") and "error" or (has_class(o, "stderr") and "stderr" or "stdout")
        local text = ""
        for _, b in ipairs(o.content) do
          if b.t == "CodeBlock" then text = text .. b.text end
        end
        text = text:gsub("\27%[[%d;]*m", "")
        if name == "stderr" and opts.warning == false then
          -- warnings hidden
        elseif name == "stdout" and opts.output == "asis" then
          for _, b in ipairs(md_blocks(text)) do shown:insert(b); kinds[#kinds + 1] = "markdown" end
        else
          local last = streams[name]
          if last and last.index == #shown then -- the same stream again: one block
            text = last.text .. (last.text:match("\n$") and "" or "\n") .. text
          else
            shown:insert(pandoc.Plain {})
            kinds[#kinds + 1] = "text"
          end
          streams[name] = { index = #shown, text = text }
          shown[#shown] = pandoc.Div({ pandoc.CodeBlock(text) },
            pandoc.Attr("", { "cell-output", name == "error" and "cell-error" or "cell-stream" }))
        end
      else
        local blocks, kind = choose(o)
        has[kind] = true -- even when nothing is shown (a chart dropped from the PDF)
        for _, b in ipairs(blocks) do shown:insert(b); kinds[#kinds + 1] = kind end
      end
    end
  end
  -- One cell may carry an interactive chart and its static image: keep one per target.
  local kept, kept_kinds = pandoc.Blocks {}, {}
  for i, b in ipairs(shown) do
    if not (HTML and has.interactive and kinds[i] == "image") then
      kept:insert(b)
      kept_kinds[#kept] = kinds[i]
    end
  end
  if not HTML and has.interactive and not has.image then
    local where = opts.label or div.identifier:gsub("%-(%d+)$", ", cell %1")
    warn(where .. ": an interactive chart without a static image (for the PDF and EPUB)")
    kept:insert(pandoc.Para { pandoc.Emph { pandoc.Str("(Interactive chart: see the HTML edition.)") } })
    kept_kinds[#kept] = "image"
  end
  local label = opts.label
  if type(label) == "string" and label:match("^fig%-") then
    local caption = md_inlines(opts["fig-cap"] or "")
    local alt = opts["fig-alt"] and pandoc.Inlines { pandoc.Str(opts["fig-alt"]) } or nil
    -- Images and charts go into the figure; text outputs follow it.
    local body, after = pandoc.Blocks {}, pandoc.Blocks {}
    for i, b in ipairs(kept) do
      if (b.t == "Para" or b.t == "Plain") and b.content[1] and b.content[1].t == "Image" then
        local img = b.content[1]
        if alt then img.caption = alt end
        body:insert(pandoc.Plain { img })
      elseif kept_kinds[i] == "image" or kept_kinds[i] == "interactive" or kept_kinds[i] == "html" then
        body:insert(b)
      else
        after:insert(b)
      end
    end
    if #body == 0 then
      warn(label .. ": the cell has no image or chart to show as the figure")
      body, after = after, pandoc.Blocks {}
    end
    local attrs = {}
    local has_img = false
    body:walk { Image = function() has_img = true end }
    if opts["fig-alt"] and not has_img then
      -- an interactive chart has no <img>: its description goes on the figure itself
      attrs = { { "aria-label", opts["fig-alt"] } }
    end
    out:insert(pandoc.Figure(body, { long = { pandoc.Plain(caption) } }, pandoc.Attr(label, {}, attrs)))
    out:extend(after)
  elseif type(label) == "string" and label:match("^tbl%-") then
    local caption = md_inlines(opts["tbl-cap"] or "")
    local done = false
    kept = kept:walk {
      Table = function(t)
        if done then return nil end
        t.identifier = label
        t.caption = { long = { pandoc.Plain(caption) } }
        done = true
        return t
      end,
    }
    if done then
      out:extend(kept)
    else
      local cap = pandoc.Div({ pandoc.Plain(caption) }, pandoc.Attr("", { "table-caption" }))
      out:insert(pandoc.Div({ cap, table.unpack(kept) }, pandoc.Attr(label, { "table-wrapper" })))
    end
  else
    out:extend(kept)
  end
  return out
end

local function typst_inlines(inlines)
  return (pandoc.write(pandoc.Pandoc { pandoc.Plain(inlines) }, "typst"):gsub("%s+$", ""))
end

local function callout(div, kind)
  local title = div.attributes.title and md_inlines(div.attributes.title) or nil
  local body = pandoc.Blocks {}
  for i, b in ipairs(div.content) do
    if i == 1 and b.t == "Header" and not title then
      title = b.content
    else
      body:insert(b.t == "Plain" and pandoc.Para(b.content) or b)
    end
  end
  title = title or pandoc.Inlines { pandoc.Str(CALLOUT_TITLES[kind]) }
  if TYPST then
    local t = typst_inlines(title)
    local out = pandoc.Blocks { pandoc.RawBlock("typst", '#callout(kind: "' .. kind .. '", title: [' .. t .. "])[") }
    out:extend(body)
    out:insert(pandoc.RawBlock("typst", "]"))
    return out
  end
  local head = pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "callout-title" }))
  local inner = pandoc.Div(body, pandoc.Attr("", { "callout-body" }))
  return { pandoc.Div({ head, inner }, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind })) }
end

local function callouts(blocks)
  return blocks:walk {
    Div = function(div)
      for kind in pairs(CALLOUT_TITLES) do
        if has_class(div, "callout-" .. kind) then return callout(div, kind) end
      end
    end,
  }
end

-- In typst, a caption's first sentence stands for it in the lists of figures and tables
-- (the template's flex-caption shows the long one in the text, the short one there).
local function short_caption(cap)
  if not TYPST then return cap end
  local short, words = pandoc.Inlines {}, 0
  for i, el in ipairs(cap) do
    short:insert(el)
    if el.t == "Space" then words = words + 1 end
    if i > 2 and el.t == "Str" and el.text:match("[.;]$") then
      short[#short] = pandoc.Str((el.text:gsub("[.;]$", "")))
      break
    end
    if words >= 22 then short:insert(pandoc.Str("…")); break end
  end
  local out = pandoc.Inlines { pandoc.RawInline("typst", "#flex-caption[") }
  out:extend(cap)
  out:insert(pandoc.RawInline("typst", "]["))
  out:extend(short)
  out:insert(pandoc.RawInline("typst", "]"))
  return out
end

local function prefixed(label, n)
  return label and (label .. "." .. n) or tostring(n)
end

-- The next figure or table number of this chapter ("Figure 3.2"), remembered for the
-- references to `id` and put before the caption `cap` (changed in place and returned).
local function numbered_caption(kind, id, cap)
  chapter[kind] = chapter[kind] + 1
  local text = (kind == "fig" and "Figure " or "Table ") .. prefixed(chapter.label, chapter[kind])
  refs[id] = text
  cap:insert(1, pandoc.Str(text .. (#cap > 0 and ":" or "")))
  if #cap > 1 then cap:insert(2, pandoc.Space()) end
  return cap
end

-- Number headers, figures and tables in document order; remember the reference texts.
local function number(blocks)
  return blocks:walk {
    traverse = "topdown",
    Header = function(h)
      if has_class(h, "unnumbered") or has_class(h, "part") then
        if h.level == 1 then chapter.label = nil end
        if h.identifier:match("^sec%-") then refs[h.identifier] = stringify(h.content) end
        return nil
      end
      local text
      if h.level == 1 then
        counters = {}
        text = chapter.label
        if text and h.identifier:match("^sec%-") then
          refs[h.identifier] = (chapter.appendix and "Appendix " or "Chapter ") .. text
        end
      elseif chapter.label then
        counters[h.level] = (counters[h.level] or 0) + 1
        for l = h.level + 1, 9 do counters[l] = nil end
        local parts = { chapter.label }
        for l = 2, h.level do parts[#parts + 1] = tostring(counters[l] or 0) end
        text = table.concat(parts, ".")
        if h.identifier:match("^sec%-") then refs[h.identifier] = "Section " .. text end
      end
      if not text then
        if h.identifier:match("^sec%-") then refs[h.identifier] = stringify(h.content) end
        return nil
      end
      h.content:insert(1, pandoc.Space())
      h.content:insert(1, pandoc.Span(pandoc.Str(text), pandoc.Attr("", { "header-section-number" })))
      return h
    end,
    Figure = function(f)
      f = f:walk { -- `![cap](x.png){#fig-x fig-alt="..."}` in markdown
        Image = function(img)
          if img.attributes["fig-alt"] then
            img.caption = pandoc.Inlines { pandoc.Str(img.attributes["fig-alt"]) }
            img.attributes["fig-alt"] = nil
            return img
          end
        end,
      }
      if f.identifier:match("^fig%-") then
        local cap = f.caption.long[1] and f.caption.long[1].content or pandoc.Inlines {}
        f.caption = { long = { pandoc.Plain(short_caption(numbered_caption("fig", f.identifier, cap))) } }
      end
      return f
    end,
    Table = function(t)
      if t.identifier:match("^tbl%-") then
        local cap = t.caption.long[1] and t.caption.long[1].content or pandoc.Inlines {}
        t.caption = { long = { pandoc.Plain(short_caption(numbered_caption("tbl", t.identifier, cap))) } }
        return t
      end
    end,
    Div = function(d)
      if has_class(d, "table-wrapper") and d.identifier:match("^tbl%-") then
        numbered_caption("tbl", d.identifier, d.content[1].content[1].content)
        return d
      end
    end,
  }
end

-- What fits across the text block in table text, in characters of its longest words
-- plus each cell's padding (about two characters).
local TABLE_WIDTH_CHARS = 92

local function resolve(doc)
  doc = doc:walk { Table = tables.align_columns }
  if TYPST then
    doc = doc:walk { Table = function(t) return tables.typst_table(t, TABLE_WIDTH_CHARS) end }
  end
  if FORMAT:match("epub") then
    -- pandoc's EPUB writer points a link into another chapter's file only for the ids it
    -- knows: those of headings, divs and tables, not of figures; a div carries the id
    doc = doc:walk {
      Figure = function(f)
        if f.identifier == "" then return nil end
        local id = f.identifier
        f.identifier = ""
        return pandoc.Div({ f }, pandoc.Attr(id, { "figure-anchor" }))
      end,
    }
  end
  return doc:walk {
    Cite = function(cite)
      local out, known = pandoc.Inlines {}, false
      for i, c in ipairs(cite.citations) do
        local kind = c.id:match("^(%a+)%-")
        if not REF_KINDS[kind] then return nil end
        known = true
        if i > 1 then out:insert(pandoc.Str(i == #cite.citations and " and " or ", ")) end
        out:extend(c.prefix)
        if #c.prefix > 0 then out:insert(pandoc.Space()) end
        local text = refs[c.id]
        if text then
          if c.mode == "SuppressAuthor" then text = text:gsub("^%a+ ", "") end
          out:insert(pandoc.Link(text, "#" .. c.id, "", pandoc.Attr("", { "quarto-xref" })))
        else
          warn("unresolved cross-reference @" .. c.id)
          out:insert(pandoc.Strong(pandoc.Str("??")))
        end
        out:extend(c.suffix)
      end
      return known and out or nil
    end,
  }
end

function Pandoc(doc)
  echo_default = doc.meta["flbook-echo"] == true
  SITE = HTML and doc.meta["flbook-site"] == true
  local blocks = pandoc.Blocks {}
  for _, top in ipairs(doc.blocks) do
    local new
    if top.t == "Div" and has_class(top, "cell") and has_class(top, "code") then
      new = code_cell(top)
    elseif top.t == "Div" and has_class(top, "cell") then
      new = conditional(pandoc.Blocks(top.content))
    else
      new = pandoc.Blocks { top }
    end
    local flat = pandoc.Blocks {}
    for _, b in ipairs(new) do
      if b.t == "Div" and has_class(b, "flbook-chapter") then
        chapter = { label = b.attributes.number, appendix = b.attributes.appendix == "true", fig = 0, tbl = 0 }
        if SITE then flat:insert(pandoc.RawBlock("html", "<!--flbook-page " .. b.attributes.source .. "-->")) end
      elseif b.t == "Div" and has_class(b, "flbook-part") then
        if SITE then flat:insert(pandoc.RawBlock("html", "<!--flbook-part-->")) end
        for _, inner in ipairs(b.content) do
          if SITE and inner.t == "Header" and inner.level == 1 then
            inner = nil -- the sidebar shows the part title
          elseif inner.t == "Header" and inner.level == 1 then
            inner.classes:extend { "part", "unnumbered" }
            if TYPST then -- a part page: typst tells it from chapters by its supplement
              local id = inner.identifier ~= "" and (" <" .. inner.identifier .. ">") or ""
              inner = pandoc.RawBlock("typst", "#heading(level: 1, numbering: none, supplement: [Part])["
                .. typst_inlines(inner.content) .. "]" .. id)
            end
          end
          if inner then flat:insert(inner) end
        end
      else
        flat:insert(b)
      end
    end
    blocks:extend(number(callouts(flat)))
  end
  doc.blocks = blocks
  return resolve(doc)
end

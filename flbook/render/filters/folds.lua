--[[
folds.lua: what the HTML book folds away and the PDF moves or leaves out.

Run before quarto-subset.lua by the portable engine, and as a Quarto filter (before
Quarto's own) by the Quarto engine. Three things:

  * Exercise answers. A chapter wraps each answer in `<details class="answer">` …
    `</details>` (each in a markdown cell of its own, the opener with its <summary>). HTML
    keeps the fold where it is. Other formats (PDF, EPUB) cannot fold: the answers are
    taken out of the text and put, in order, under an "Answers" heading at the end of
    their chapter, each headed "Answer to" the section of its exercise.
  * Folded numbers. `<details class="numbers">` … `</details>` (the table behind a chart)
    and `<div class="html-only">` … `</div>` are kept in HTML and left out elsewhere.
    (An interactive explorer whose static picture would repeat a figure is wrapped in
    `html-only`; the chapter says in a `.content-hidden when-format="html:js"` line
    which figure the PDF reader should look at instead.) The opening `<div>` is best a
    raw HTML block; written bare, pandoc reads it as an empty div, and Quarto, which
    reads a notebook as one document, may join it and its `</div>` into one native
    div: both are handled.
  * The flbook call under each figure. A code cell labelled `fig-*` whose code calls
    flbook (`fl.` or `flbook.`) and sets no `echo` option shows its code folded under the
    figure in HTML ("Show the flbook call"), never in other formats. The portable engine
    does it here. Under Quarto, flbook marks those cells with Quarto's own options
    (`echo: true`, `code-fold: true`, `code-summary`; see flbook/render/folds.py), Quarto
    folds them in HTML, and this filter removes the marked code from other formats.
]]

local CALL_SUMMARY = "Show the flbook call"
local QUARTO = quarto ~= nil
local HTML = FORMAT:match("html") ~= nil
local ANSWERS_TITLE = "Answers"

local function has_class(el, cls)
  return el.classes ~= nil and el.classes:includes(cls)
end

-- The HTML text of a raw block, or of the first block of a (portable engine) cell div.
local function raw_html(b)
  if b.t == "RawBlock" and b.format:match("html") then return b.text end
  if b.t == "Div" and has_class(b, "cell") and b.content[1] then return raw_html(b.content[1]) end
  return nil
end

-- "open", kind, has_summary | "close" | nil
local function marker(b)
  local text = raw_html(b)
  if not text then return nil end
  local kind = text:match('^%s*<details%s+class="([%w%-]+)"') or text:match('^%s*<div%s+class="(html%-only)"')
  if kind then
    -- a portable-engine cell holds its <summary> too; a bare raw block is followed by it
    -- (an html-only div has no <summary> to skip: waiting for one dropped the rest of
    -- the document under Quarto, which passes the opener as a bare raw block)
    local has_summary = kind == "html-only" or b.t == "Div" or text:find("</summary>", 1, true) ~= nil
    return "open", kind, has_summary
  end
  if text:match("^%s*</details>%s*$") or text:match("^%s*</div>%s*$") then return "close" end
  return nil
end

local function ends_summary(b)
  local found = false
  pandoc.Blocks({ b }):walk({
    RawBlock = function(r) if r.text:find("</summary>", 1, true) then found = true end end,
    RawInline = function(r) if r.text:find("</summary>", 1, true) then found = true end end,
  })
  return found
end

-- A chapter starts at the portable engine's chapter or part marker, or a level-1 heading.
-- (The portable engine's markers and headings come inside a markdown cell's div.)
local function starts_chapter(b)
  if b.t == "Div" and has_class(b, "cell") and not has_class(b, "code") then
    for _, inner in ipairs(b.content) do
      if starts_chapter(inner) then return true end
    end
    return false
  end
  return (b.t == "Div" and (has_class(b, "flbook-chapter") or has_class(b, "flbook-part")))
      or (b.t == "Header" and b.level == 1)
end

-- The last section heading (level 2 or more, with an id) in a block, if any.
local function last_section(b, current)
  if b.t == "Header" then
    if b.level == 1 then return nil end
    return b.identifier ~= "" and { id = b.identifier, title = b.content } or current
  end
  if b.t == "Div" and has_class(b, "cell") and not has_class(b, "code") then
    for _, inner in ipairs(b.content) do current = last_section(inner, current) end
  end
  return current
end

local function answers_section(answers)
  local out = pandoc.Blocks {
    pandoc.Header(2, pandoc.Inlines { pandoc.Str(ANSWERS_TITLE) }, pandoc.Attr("", { "unnumbered", "flbook-answers" })),
  }
  for _, a in ipairs(answers) do
    local head = pandoc.Inlines { pandoc.Str("Answer"), pandoc.Space(), pandoc.Str("to"), pandoc.Space() }
    if a.section then
      head:insert(pandoc.Cite({ pandoc.Str("@" .. a.section.id) }, { pandoc.Citation(a.section.id, "NormalCitation") }))
      head:insert(pandoc.Str(":"))
    else
      head = pandoc.Inlines { pandoc.Str("Answer:") }
    end
    out:insert(pandoc.Para { pandoc.Strong(head) })
    out:extend(a.blocks)
  end
  return out
end

-- pandoc reads a markdown cell holding only `<div class="html-only">` as an empty native
-- div (it cannot see the `</div>` of a later cell): make it the raw opener it stands for,
-- which the closing raw `</div>` then closes, in every format.
local function raw_openers(blocks)
  return pandoc.Blocks(blocks):walk {
    Div = function(d)
      if has_class(d, "html-only") and #d.content == 0 then
        return pandoc.RawBlock("html", '<div class="html-only">')
      end
    end,
  }
end

-- A native `<div class="html-only">` holding its content (Quarto reads a notebook as
-- one document, so the opening and the closing cell make one div): left out.
local function drop_html_only(blocks)
  return blocks:walk {
    Div = function(d)
      if has_class(d, "html-only") then return {} end
    end,
  }
end

-- Answers to the chapter end, folded numbers out (formats other than HTML).
local function unfold(blocks)
  blocks = drop_html_only(raw_openers(blocks))
  local out, answers = pandoc.Blocks {}, {}
  local section, open, skip_summary, collected = nil, nil, false, nil
  local function flush()
    if #answers > 0 then out:extend(answers_section(answers)) end
    answers = {}
  end
  for _, b in ipairs(blocks) do
    local what, kind, has_summary = marker(b)
    if open then
      if skip_summary then
        skip_summary = not ends_summary(b)
      elseif what == "close" then
        if open == "answer" then answers[#answers + 1] = { section = section, blocks = collected } end
        open = nil
      else
        collected:insert(b)
      end
    elseif what == "open" then
      open, skip_summary, collected = kind, not has_summary, pandoc.Blocks {}
    else
      if starts_chapter(b) then flush(); section = nil end
      section = last_section(b, section)
      out:insert(b)
    end
  end
  if open then io.stderr:write("flbook-warning: a <details class=\"" .. open .. "\"> is never closed\n") end
  flush()
  return out
end

-- `#| key: value` options at the top of a cell's code, and the code without them.
local function cell_options(code)
  local opts, rest, head = {}, {}, true
  for line in (code .. "\n"):gmatch("([^\n]*)\n") do
    local k, v = line:match("^#|%s*([%w_%-]+)%s*:%s*(.-)%s*$")
    if head and k then
      opts[k] = v:gsub('^"(.*)"$', "%1")
    else
      head = false
      rest[#rest + 1] = line
    end
  end
  return opts, (table.concat(rest, "\n"):gsub("^%s+", ""):gsub("%s+$", ""))
end

-- The code of a figure cell that calls flbook, or nil.
local function flbook_call(cell, echo_default)
  local source = cell.content[1]
  if not (source and source.t == "CodeBlock") then return nil end
  local opts, code = cell_options(source.text)
  if not (opts.label and opts.label:match("^fig%-")) then return nil end
  if opts.echo ~= nil or echo_default then return nil end -- shown, or hidden, on purpose
  if not (code:match("%f[%w_]fl%.") or code:match("%f[%w_]flbook%.")) then return nil end
  return code
end

-- Portable engine, HTML: the call folded under each figure cell that has one.
local function fold_calls(blocks, echo_default)
  local out = pandoc.Blocks {}
  for _, b in ipairs(blocks) do
    out:insert(b)
    if b.t == "Div" and has_class(b, "cell") and has_class(b, "code") then
      local code = flbook_call(b, echo_default)
      if code then
        out:insert(pandoc.Div({
          pandoc.RawBlock("html", '<details class="flbook-call">\n<summary>' .. CALL_SUMMARY .. "</summary>"),
          pandoc.CodeBlock(code, pandoc.Attr("", { "python" })),
          pandoc.RawBlock("html", "</details>"),
        }, pandoc.Attr("", { "flbook-call" })))
      end
    end
  end
  return out
end

if QUARTO then
  return {
    {
      CodeBlock = function(cb)
        if not quarto.doc.is_format("html") and has_class(cb, "cell-code")
            and cb.attributes["code-summary"] == CALL_SUMMARY then
          return {}
        end
      end,
    },
    {
      Pandoc = function(doc)
        if quarto.doc.is_format("html") then
          doc.blocks = raw_openers(doc.blocks)
        else
          doc.blocks = unfold(doc.blocks)
        end
        return doc
      end,
    },
  }
end

function Pandoc(doc)
  if HTML then
    doc.blocks = fold_calls(raw_openers(doc.blocks), doc.meta["flbook-echo"] == true)
  else
    doc.blocks = unfold(doc.blocks)
  end
  return doc
end

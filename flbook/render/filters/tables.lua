--[[
tables.lua: how flbook lays out tables, shared by both engines.

A module (loaded with dofile), not a filter: quarto-subset.lua (the portable engine)
and quarto-tables.lua (a Quarto typst filter, run after Quarto has made its tables) use
it, so that both engines' PDFs set tables the same way:

  * text columns left-aligned, numbers right-aligned (`align_columns`);
  * in typst (`typst_table`): a table of up to KEEP_TOGETHER_ROWS body rows is never
    split across pages; a longer one splits with its header repeated (pandoc writes
    `table.header`, which typst repeats) and leaves at least EDGE_ROWS rows on each
    side of every split; a table whose words cannot fit across the text block gets
    smaller text, just enough to fit.
]]

local M = {}

local stringify = pandoc.utils.stringify

-- A table of up to this many body rows is never split across pages.
M.KEEP_TOGETHER_ROWS = 20
-- A longer table that splits leaves at least this many rows on each side.
M.EDGE_ROWS = 3

--- Whether a cell's text reads as a number ("1,234", "12.5%", "–", "NaN").
function M.is_number(s)
  s = s:gsub("[,%s]", ""):gsub("%%$", "")
  return s == "" or s == "NaN" or s == "<NA>" or s == "–" or s == "-" or tonumber(s) ~= nil
end

--- Which columns hold only numbers in every body row: a list of booleans by position.
function M.numeric_columns(t)
  local numeric = {}
  for _, body in ipairs(t.bodies) do
    for _, row in ipairs(body.body) do
      for i, cell in ipairs(row.cells) do
        if numeric[i] ~= false then numeric[i] = M.is_number(stringify(cell.contents)) end
      end
    end
  end
  return numeric
end

--- Text columns left, numbers right, where the table does not say otherwise (a column
--- left to its default would take the centring of the typst figure around the table).
function M.align_columns(t)
  local numeric = M.numeric_columns(t)
  for i, spec in ipairs(t.colspecs) do
    if spec[1] == pandoc.AlignDefault then
      t.colspecs[i] = { numeric[i] and pandoc.AlignRight or pandoc.AlignLeft, spec[2] }
    end
  end
  return t
end

local function longest_word(text)
  local n = 0
  for w in text:gmatch("%S+") do n = math.max(n, utf8.len(w) or #w) end
  return n
end

local function body_rows(t)
  local rows = {}
  for _, body in ipairs(t.bodies) do
    for _, row in ipairs(body.body) do rows[#rows + 1] = row end
  end
  return rows
end

-- An empty cell of the zero-width helper column (no padding, so the column takes no room).
local function helper_cell(rowspan)
  local cell = pandoc.Cell({}, pandoc.AlignDefault, rowspan or 1, 1)
  cell.attributes["typst:inset"] = "0pt"
  if rowspan then cell.attributes["typst:breakable"] = "false" end
  return cell
end

-- Keep the first and the last EDGE_ROWS body rows together. typst has no widow or
-- orphan control for table rows, but rows spanned by an unbreakable cell stay on one
-- page: so a first column of width zero is added, holding an empty unbreakable cell
-- over the first rows and another over the last ones. With the header (which typst
-- never leaves alone at the foot of a page) the table then starts with at least
-- EDGE_ROWS rows and ends with at least as many.
local function keep_edges(t)
  local rows = body_rows(t)
  local n, k = #rows, M.EDGE_ROWS
  for i, row in ipairs(rows) do
    if i == 1 or i == n - k + 1 then
      row.cells:insert(1, helper_cell(k))
    elseif i > k and i <= n - k then
      row.cells:insert(1, helper_cell())
    end
  end
  for _, row in ipairs(t.head.rows) do row.cells:insert(1, helper_cell()) end
  for _, body in ipairs(t.bodies) do
    for _, row in ipairs(body.head) do row.cells:insert(1, helper_cell()) end
  end
  for _, row in ipairs(t.foot.rows) do row.cells:insert(1, helper_cell()) end
  t.colspecs:insert(1, { pandoc.AlignDefault, pandoc.ColWidthDefault })
  return t
end

--- A table for typst: kept on one page if short, its edges kept together if long,
--- smaller text if its words cannot fit side by side across `width_chars` (what fits
--- across the text block in table text, in characters of the columns' longest words
--- plus each cell's padding of about two and a half). Returns a list of blocks.
function M.typst_table(t, width_chars)
  local widest = {}
  local function measure(row)
    for i, cell in ipairs(row.cells) do
      widest[i] = math.max(widest[i] or 0, longest_word(stringify(cell.contents)))
    end
  end
  for _, row in ipairs(t.head.rows) do measure(row) end
  local rows = body_rows(t)
  for _, row in ipairs(rows) do measure(row) end
  local need = 0
  for _, w in pairs(widest) do need = need + w + 2.5 end
  local scale = need > width_chars and math.max(0.6, width_chars / need) or nil
  local keep = #rows <= M.KEEP_TOGETHER_ROWS
  if not keep then t = keep_edges(t) end
  if not scale and not keep then return { t } end
  local open = "#block(breakable: " .. tostring(not keep) .. ")["
  if scale then open = open .. string.format("#set text(size: %.2fem)", scale) end
  return { pandoc.RawBlock("typst", open), t, pandoc.RawBlock("typst", "]") }
end

return M

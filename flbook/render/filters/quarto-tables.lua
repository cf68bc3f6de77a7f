--[[
quarto-tables.lua: flbook's table layout (tables.lua) for Quarto's typst output.

The Quarto engine copies this file and tables.lua into the build folder
(`_flbook/filters/`) and lists it in `_quarto.yml` as a typst filter run at
`post-render`, when Quarto has parsed the chapters' HTML tables into real tables and
made the numbered ones into figures. Quarto's typst book is set a little narrower than
the portable engine's (3 cm side margins, 10 pt text), hence its own width.
]]

local here = PANDOC_SCRIPT_FILE and pandoc.path.directory(PANDOC_SCRIPT_FILE) or "."
if quarto and quarto.utils and quarto.utils.resolve_path then
  here = pandoc.path.directory(quarto.utils.resolve_path("quarto-tables.lua"))
end
local tables = dofile(pandoc.path.join { here, "tables.lua" })

-- What fits across Quarto's text block (15 cm) in table text (0.85 × 10 pt), in
-- characters of the columns' longest words plus padding.
local TABLE_WIDTH_CHARS = 88

return {
  {
    Table = function(t)
      return tables.typst_table(tables.align_columns(t), TABLE_WIDTH_CHARS)
    end,
  },
}

-- unetcalc's language server in Neovim, for specs (yaml) and notes (markdown).
--
-- Neovim 0.10 and later draw inlay hints themselves; put this in your init.lua instead of this file:
--
--   vim.api.nvim_create_autocmd("FileType", {
--     pattern = { "yaml", "markdown" },
--     callback = function(args)
--       vim.lsp.start({ name = "unetcalc", cmd = { "unetcalc", "lsp" }, root_dir = vim.fn.getcwd() })
--       vim.lsp.inlay_hint.enable(true, { bufnr = args.buf })
--     end,
--   })
--
-- This file is for Neovim 0.7 to 0.9, which have no inlay hints of their own: it starts the server the
-- same way and draws the server's textDocument/inlayHint answers as end-of-line virtual text.
-- Use: nvim -u editors/nvim/unetcalc.lua specs/unet-2015.yaml   (or `dofile` it from your init.lua)

local namespace = vim.api.nvim_create_namespace("unetcalc-inlay-hints")

local function draw(bufnr, client)
  local last = vim.api.nvim_buf_line_count(bufnr)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } },
  }
  client.request("textDocument/inlayHint", params, function(err, hints)
    if err or not hints or not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    vim.api.nvim_buf_clear_namespace(bufnr, namespace, 0, -1)
    for _, hint in ipairs(hints) do
      local label = type(hint.label) == "string" and hint.label or ""
      vim.api.nvim_buf_set_extmark(bufnr, namespace, hint.position.line, 0, {
        virt_text = { { label, "Comment" } },
        virt_text_pos = "eol",
      })
    end
  end, bufnr)
end

vim.api.nvim_create_autocmd("FileType", {
  pattern = { "yaml", "markdown" },
  callback = function(args)
    local id = vim.lsp.start_client({
      name = "unetcalc",
      cmd = { "unetcalc", "lsp" },
      root_dir = vim.fn.getcwd(),
      on_attach = function(client, bufnr)
        draw(bufnr, client)
        vim.api.nvim_create_autocmd({ "TextChanged", "InsertLeave" }, {
          buffer = bufnr,
          callback = function()
            vim.defer_fn(function() draw(bufnr, client) end, 50)
          end,
        })
      end,
    })
    vim.lsp.buf_attach_client(args.buf, id)
  end,
})

"""Course figures (matplotlib, imported lazily: `import minidl` never imports matplotlib).

One module per lesson topic; everything is re-exported here, so notebooks call
`minidl.plot.<name>`.
"""

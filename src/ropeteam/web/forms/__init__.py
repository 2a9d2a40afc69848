"""Forms parse what people type; the actions decide whether it may be done.

One module per domain (`people`, `cases`, `conversations`, `thinking`, `visits`,
`concerns`, `notify`), and `base` for what they share; pages import from the module
of the domain they show.
"""

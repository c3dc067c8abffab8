"""MAMEToolkit's API on aiomame, for scripts written against MAMEToolkit 1.x: replace
``MAMEToolkit`` by ``aiomame.mametoolkit`` in the imports (``.emulator``,
``.sf_environment``). See docs/mametoolkit.md."""

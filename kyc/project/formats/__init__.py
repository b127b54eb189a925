"""Date formats where Django's own locale data falls short (FORMAT_MODULE_PATH); any format not
set here comes from Django's locale for the language."""

using System.Globalization;
using System.Text;
using Engine.Runtime;

namespace Engine.Graph;

internal enum TokenKind
{
    Ident,

    /// <summary>A value reference or definition: %name or %"quoted".</summary>
    ValueName,

    /// <summary>A node name: @name or @"quoted".</summary>
    NodeName,
    String,

    /// <summary>A decimal number, possibly signed, possibly with fraction/exponent, or -inf.</summary>
    Number,

    /// <summary>0x followed by hex digits (raw tensor bytes, or NaN payload bits).</summary>
    Hex,
    Punct,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column)
{
    /// <summary>A number written with a fraction or exponent (so it is a float, not an int).</summary>
    public bool IsFloatForm => Kind == TokenKind.Number && (Text.IndexOfAny(['.', 'e', 'E']) >= 0 || Text.EndsWith("inf", StringComparison.Ordinal));

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.ValueName => "%" + IrSyntax.SigilName(Text),
        TokenKind.NodeName => "@" + IrSyntax.SigilName(Text),
        TokenKind.String => IrSyntax.Quote(Text.Length > 40 ? Text[..40] + "…" : Text),
        TokenKind.Hex => Text.Length > 20 ? Text[..20] + "…" : Text,
        _ => "'" + Text + "'",
    };
}

/// <summary>Turns IR text into tokens. Comments run from '#' to the end of the line.</summary>
internal sealed class IrLexer
{
    private readonly string _src;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    public IrLexer(string src) => _src = src;

    public static List<Token> Tokenize(string src)
    {
        var lx = new IrLexer(src);
        var tokens = new List<Token>();
        while (true)
        {
            var t = lx.Next();
            tokens.Add(t);
            if (t.Kind == TokenKind.End) return tokens;
        }
    }

    public static EngineException Error(int line, int column, string message) =>
        new($"IR text {line}:{column}: {message}");

    private EngineException Error(string message) => Error(_line, _pos - _lineStart + 1, message);

    private Token Next()
    {
        SkipTrivia();
        int line = _line, col = _pos - _lineStart + 1;
        if (_pos >= _src.Length) return new Token(TokenKind.End, "", line, col);
        char c = _src[_pos];
        if (c == '%' || c == '@')
        {
            _pos++;
            string name = ReadName(c);
            return new Token(c == '%' ? TokenKind.ValueName : TokenKind.NodeName, name, line, col);
        }
        if (c == '"') return new Token(TokenKind.String, ReadString(), line, col);
        if (c == '0' && _pos + 1 < _src.Length && _src[_pos + 1] is 'x' or 'X')
        {
            int start = _pos;
            _pos += 2;
            while (_pos < _src.Length && char.IsAsciiHexDigit(_src[_pos])) _pos++;
            if (_pos < _src.Length && IrSyntax.IsIdentChar(_src[_pos])) throw Error($"bad character '{_src[_pos]}' in hex literal");
            return new Token(TokenKind.Hex, _src[start.._pos], line, col);
        }
        if (char.IsAsciiDigit(c) || (c == '-' && _pos + 1 < _src.Length && (char.IsAsciiDigit(_src[_pos + 1]) || _src.AsSpan(_pos + 1).StartsWith("inf"))))
            return new Token(TokenKind.Number, ReadNumber(), line, col);
        if (IrSyntax.IsIdentStart(c))
        {
            int start = _pos;
            while (_pos < _src.Length && IrSyntax.IsIdentChar(_src[_pos])) _pos++;
            return new Token(TokenKind.Ident, _src[start.._pos], line, col);
        }
        if (c == '-' && _pos + 1 < _src.Length && _src[_pos + 1] == '>')
        {
            _pos += 2;
            return new Token(TokenKind.Punct, "->", line, col);
        }
        if (c == ':' && _pos + 1 < _src.Length && _src[_pos + 1] == ':')
        {
            _pos += 2;
            return new Token(TokenKind.Punct, "::", line, col);
        }
        if ("()[]{},=:*?<>".IndexOf(c) >= 0) // < > only appear in elided dumps, which the parser refuses by name
        {
            _pos++;
            return new Token(TokenKind.Punct, c.ToString(), line, col);
        }
        throw Error($"unexpected character {Printable(c)}");
    }

    private static string Printable(char c) => c < 0x20 || c > 0x7E ? $"U+{(int)c:X4}" : $"'{c}'";

    private void SkipTrivia()
    {
        while (_pos < _src.Length)
        {
            char c = _src[_pos];
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (c is ' ' or '\t' or '\r')
            {
                _pos++;
            }
            else if (c == '#')
            {
                while (_pos < _src.Length && _src[_pos] != '\n') _pos++;
            }
            else
            {
                return;
            }
        }
    }

    private string ReadName(char sigil)
    {
        if (_pos < _src.Length && _src[_pos] == '"') return ReadString();
        int start = _pos;
        while (_pos < _src.Length && IrSyntax.IsNameChar(_src[_pos])) _pos++;
        if (_pos == start) throw Error($"expected a name after '{sigil}'");
        return _src[start.._pos];
    }

    private string ReadNumber()
    {
        int start = _pos;
        if (_src[_pos] == '-') _pos++;
        if (_src.AsSpan(_pos).StartsWith("inf"))
        {
            _pos += 3;
        }
        else
        {
            while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
            if (_pos < _src.Length && _src[_pos] == '.')
            {
                _pos++;
                while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
            }
            if (_pos < _src.Length && _src[_pos] is 'e' or 'E')
            {
                _pos++;
                if (_pos < _src.Length && _src[_pos] is '+' or '-') _pos++;
                int digits = _pos;
                while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
                if (_pos == digits) throw Error("missing exponent digits in number");
            }
        }
        if (_pos < _src.Length && IrSyntax.IsIdentChar(_src[_pos])) throw Error($"bad character '{_src[_pos]}' in number");
        return _src[start.._pos];
    }

    private string ReadString()
    {
        int startLine = _line, startCol = _pos - _lineStart + 1;
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length) throw Error(startLine, startCol, "unterminated string");
            char c = _src[_pos++];
            if (c == '"') return sb.ToString();
            if (c == '\n') throw Error(startLine, startCol, "unterminated string (newline inside quotes; write \\n)");
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_pos >= _src.Length) throw Error(startLine, startCol, "unterminated string");
            int escCol = _pos - _lineStart; // column of the backslash
            char e = _src[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case '0': sb.Append('\0'); break;
                case 'u':
                    if (_pos + 4 > _src.Length || !ushort.TryParse(_src.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        throw Error(_line, escCol, "\\u must be followed by 4 hex digits");
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw Error(_line, escCol, $"unknown escape '\\{e}' in string");
            }
        }
    }
}

namespace Engine.Graph;

/// <summary>One dimension of a shape: a constant, a named symbol (batch, seq), or unknown.</summary>
public readonly record struct Dim
{
    private Dim(long value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The constant size, or -1 when symbolic/unknown.</summary>
    public long Value { get; }

    public string? Symbol { get; }

    public bool IsKnown => Symbol is null && Value >= 0;

    public bool IsSymbolic => Symbol is not null;

    public static Dim Of(long value) => value >= 0 ? new Dim(value, null) : Unknown;

    public static Dim Sym(string symbol) => new(-1, symbol);

    public static readonly Dim Unknown = new(-1, null);

    public static implicit operator Dim(long value) => Of(value);

    public static implicit operator Dim(int value) => Of(value);

    public override string ToString() => IsKnown ? Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : Symbol ?? "?";
}

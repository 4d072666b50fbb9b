using System.Globalization;

namespace Engine.Cli.Commands;

/// <summary>Human-readable counts for CLI output.</summary>
public static class Units
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>1234567 → "1.23 M" (SI prefixes, for counts like FLOPs and parameters).</summary>
    public static string Si(double v)
    {
        string[] prefixes = ["", " k", " M", " G", " T", " P", " E"];
        int i = 0;
        while (Math.Abs(v) >= 1000 && i < prefixes.Length - 1)
        {
            v /= 1000;
            i++;
        }
        return i == 0 ? v.ToString("0.##", Inv) : v.ToString("0.00", Inv) + prefixes[i];
    }

    /// <summary>Bytes with binary prefixes: 1536 → "1.50 KiB".</summary>
    public static string Bytes(long b)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = b;
        int i = 0;
        while (v >= 1024 && i < units.Length - 1)
        {
            v /= 1024;
            i++;
        }
        return i == 0 ? $"{b} B" : v.ToString("0.00", Inv) + " " + units[i];
    }

    public static string Count(long n) => n.ToString("N0", Inv);

    /// <summary>"1 node", "3 nodes".</summary>
    public static string Plural(long n, string noun) => $"{n.ToString(Inv)} {noun}{(n == 1 ? "" : "s")}";
}

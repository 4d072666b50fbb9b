using Engine.Graph;

namespace Engine.Tests.IR;

using Graph = Engine.Graph.Graph;

/// <summary>Assertions shared by the IR tests: round-trips through text and structural equality.</summary>
internal static class IrAssert
{
    public static Graph Parse(string text) => IrParser.Parse(text, TestOps.Registry);

    /// <summary>Print, parse back, and require the same structure (and names, when they are unique) and the same text again.</summary>
    public static Graph RoundTrip(Graph g, bool compareNames = true)
    {
        var text = IrPrinter.Print(g);
        Graph back;
        try
        {
            back = Parse(text);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"printed text does not parse: {e.Message}\n{text}");
        }
        if (!GraphComparer.StructurallyEqual(g, back, out var diff, compareNames))
            throw new Xunit.Sdk.XunitException($"round-trip changed the graph: {diff}\n{text}");
        Assert.Equal(text, IrPrinter.Print(back));
        return back;
    }

    public static void Equal(Graph expected, Graph actual, bool compareNames = false)
    {
        if (!GraphComparer.StructurallyEqual(expected, actual, out var diff, compareNames))
            throw new Xunit.Sdk.XunitException($"{diff}\nexpected:\n{IrPrinter.Print(expected)}actual:\n{IrPrinter.Print(actual)}");
    }
}

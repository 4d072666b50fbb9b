using Engine.Graph;
using Engine.Passes;

namespace Engine.Tests.Passes;

/// <summary>Before/after tests in IR text, compared by structural equality (TVM style).</summary>
public static class PassAssert
{
    public static Graph.Graph Parse(string text) => IrParser.Parse(text, OpRegistry.Default, inferTypes: true);

    /// <summary>Runs <paramref name="pass"/> on <paramref name="before"/> and checks the result equals <paramref name="after"/>.</summary>
    public static void Rewrites(IPass pass, string before, string after, PassContext? context = null)
    {
        var g = Parse(before);
        pass.Run(g, context ?? new PassContext());
        Verifier.VerifyOrThrow(g);
        var expected = Parse(after);
        Assert.True(GraphComparer.StructurallyEqual(expected, g, out var diff),
            $"{pass.Name}: {diff}\n--- got ---\n{IrPrinter.Print(g)}\n--- expected ---\n{IrPrinter.Print(expected)}");
    }

    /// <summary>The pass must leave the graph structurally unchanged (negative test: pattern must not fire).</summary>
    public static void Unchanged(IPass pass, string text, PassContext? context = null) => Rewrites(pass, text, text, context);
}

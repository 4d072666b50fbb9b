using System.Diagnostics;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>Runs an explicit, ordered list of passes; verifies and dumps the IR after each.</summary>
public static class PassManager
{
    public static List<PassReport> Run(Graph.Graph graph, IReadOnlyList<IPass> pipeline, PassContext context)
    {
        var reports = new List<PassReport>();
        if (context.DumpDirectory is not null)
        {
            Directory.CreateDirectory(context.DumpDirectory);
            File.WriteAllText(Path.Combine(context.DumpDirectory, "00-input.ir"), IrPrinter.Print(graph, elideTensorsAbove: 64));
        }
        for (int i = 0; i < pipeline.Count; i++)
        {
            var pass = pipeline[i];
            int before = graph.Nodes.Count;
            if (context.Disabled.Contains(pass.Name))
            {
                reports.Add(new PassReport(pass.Name, before, before, 0, false, true));
                continue;
            }
            var sw = Stopwatch.StartNew();
            bool changed = pass.Run(graph, context);
            sw.Stop();
            if (context.VerifyEachPass)
            {
                var problems = Verifier.Verify(graph);
                if (problems.Count > 0)
                    throw new EngineException($"IR is invalid after pass '{pass.Name}': {problems[0]}");
            }
            if (context.DumpDirectory is not null)
                File.WriteAllText(Path.Combine(context.DumpDirectory, $"{i + 1:00}-{pass.Name}.ir"), IrPrinter.Print(graph, elideTensorsAbove: 64));
            context.AfterPass?.Invoke(pass, graph);
            reports.Add(new PassReport(pass.Name, before, graph.Nodes.Count, sw.Elapsed.TotalMilliseconds, changed, false));
        }
        return reports;
    }
}

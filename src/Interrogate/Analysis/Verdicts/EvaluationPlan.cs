namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// Which evaluation windows are ablated and which predictions in them count. Position p of a window
/// predicts token p+1. Per window and position (all lists ascending, positions 0..length−2):
/// Predictor: token p+1 is a concept token; Detector: token p is one; Control: neither, thinned to
/// every Stride-th such position (the same positions for every unit, so differences stay paired);
/// After: the control positions that follow the window's first concept token (a detector's downstream use).
/// </summary>
public sealed record EvaluationPlan(int[] Starts, int[][] Ids, int[][] Predictor, int[][] Detector, int[][] Control, int[][] After,
    int ControlStride, bool OverlapsRanking)
{
    public int Windows => Ids.Length;
    public int Length => Ids[0].Length;

    /// <summary>The scored positions of a window (union of every category), ascending.</summary>
    public int[] Scored(int w) => [.. Predictor[w].Concat(Detector[w]).Concat(Control[w]).Distinct().Order()];

    /// <summary>The concept predictions of a role.</summary>
    public int[][] Concept(ConceptRole role) => role == ConceptRole.Detector ? Detector : Predictor;

    /// <summary>
    /// Windows of <paramref name="window"/> tokens after the ranked ones, until <paramref name="windows"/>
    /// windows (when given) or until both roles have <paramref name="minPredictions"/> concept predictions;
    /// when the stream is too short, windows come from the end of the ranked tokens (reported as overlap).
    /// </summary>
    public static EvaluationPlan Build(int[] tokens, bool[] labels, int rankCount, int window, int? windows, int minPredictions)
    {
        var order = new List<int>();
        for (int s = rankCount; s + window <= tokens.Length; s += window) order.Add(s);
        int afterRanked = order.Count;
        for (int s = rankCount - window; s >= 0; s -= window) order.Add(s);
        var starts = new List<int>();
        long detector = 0, predictor = 0;
        foreach (var s in order)
        {
            if (windows is int n ? starts.Count >= n : Math.Min(detector, predictor) >= minPredictions) break;
            starts.Add(s);
            for (int p = 0; p < window - 1; p++)
            {
                if (labels[s + p]) detector++;
                if (labels[s + p + 1]) predictor++;
            }
        }
        if (starts.Count == 0) throw new InputException($"--corpus: the held-out token stream ({tokens.Length} tokens) is shorter than one evaluation window of {window}; use a larger corpus");
        bool overlaps = starts.Count > afterRanked;
        long eligible = 0;
        foreach (var s in starts)
            for (int p = 0; p < window - 1; p++) if (!labels[s + p] && !labels[s + p + 1]) eligible++;
        // About as many control predictions as concept ones per role: the specificity's interval is then limited by
        // both sides alike, and logits are read at a fraction of the positions (the unembedding dominates small models).
        int stride = (int)Math.Max(1, eligible / Math.Max(1, Math.Max(detector, predictor)));
        var ids = starts.Select(s => tokens[s..(s + window)]).ToArray();
        var pred = new int[starts.Count][];
        var det = new int[starts.Count][];
        var control = new int[starts.Count][];
        var after = new int[starts.Count][];
        long seen = 0;
        for (int w = 0; w < starts.Count; w++)
        {
            int s = starts[w];
            var (pl, dl, cl, al) = (new List<int>(), new List<int>(), new List<int>(), new List<int>());
            int firstConcept = int.MaxValue;
            for (int p = 0; p < window - 1; p++)
            {
                if (labels[s + p]) { dl.Add(p); firstConcept = Math.Min(firstConcept, p); }
                if (labels[s + p + 1]) pl.Add(p);
                if (!labels[s + p] && !labels[s + p + 1] && seen++ % stride == 0)
                {
                    cl.Add(p);
                    if (p > firstConcept) al.Add(p);
                }
            }
            (pred[w], det[w], control[w], after[w]) = (pl.ToArray(), dl.ToArray(), cl.ToArray(), al.ToArray());
        }
        return new EvaluationPlan([.. starts], ids, pred, det, control, after, stride, overlaps);
    }
}

using Interrogate.Analysis.Concepts;

namespace Interrogate.Analysis.Verdicts;

/// <summary>Labels a stream of token ids with a concept, document by document.</summary>
public static class ConceptLabels
{
    /// <summary>
    /// The stream is cut into documents after each end-of-text id (the id stays with the document it
    /// ends), and each document is labelled on its own, so stateful concepts (sentence-start,
    /// inside-quotes) and labels files (document N = the N-th document of the stream) see whole documents.
    /// </summary>
    /// <param name="ids">[n] token ids.</param>
    /// <param name="endOfText">The id that ends a document, or null when the stream is one document.</param>
    /// <param name="tokenText">Display text of a token (with its leading space).</param>
    /// <param name="concept">The concept.</param>
    /// <returns>[n] labels.</returns>
    public static bool[] Label(int[] ids, int? endOfText, Func<int, string> tokenText, Concept concept)
    {
        var labels = new bool[ids.Length];
        int start = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] != endOfText && i != ids.Length - 1) continue;
            var texts = new string[i + 1 - start];
            for (int k = 0; k < texts.Length; k++) texts[k] = tokenText(ids[start + k]);
            concept.Label(texts).CopyTo(labels, start);
            start = i + 1;
        }
        if (concept is LabelsFile file) file.CheckAllUsed();
        return labels;
    }
}

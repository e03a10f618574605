// The OWL API's own OWL 2 profile checkers (OWL2DLProfile, OWL2RLProfile), run on
// one ontology document. The OWL API 3 that does this ships inside the HermiT.jar
// bundled with owlready2, so no other Java library is needed; this file is only
// the command line around it (tests/support/owlprofile.py compiles it with javac).
//
// Usage: java -cp HermiT.jar:DIR OwlProfileCheck FILE PROFILE...
//   FILE     an RDF/XML (or any format the OWL API 3 parses) ontology document
//   PROFILE  DL or RL
// Prints, per profile, a line "PROFILE <name>: <n> violation(s)" and then each
// violation on its own line starting with "  "; sorted, so the output is
// deterministic. Exit 0 when no profile is violated, 1 otherwise, 2 when the
// document cannot be loaded.

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWL2RLProfile;
import org.semanticweb.owlapi.profiles.OWLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class OwlProfileCheck {
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: OwlProfileCheck FILE DL|RL...");
            System.exit(2);
        }
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        } catch (Exception e) {
            System.err.println("cannot load " + args[0] + ": " + e);
            System.exit(2);
            return;
        }
        System.out.println("LOADED " + ontology.getAxiomCount() + " axioms, "
                + ontology.getLogicalAxiomCount() + " logical");
        boolean ok = true;
        for (int i = 1; i < args.length; i++) {
            OWLProfile profile;
            if (args[i].equals("DL")) {
                profile = new OWL2DLProfile();
            } else if (args[i].equals("RL")) {
                profile = new OWL2RLProfile();
            } else {
                System.err.println("unknown profile " + args[i] + ": use DL or RL");
                System.exit(2);
                return;
            }
            OWLProfileReport report = profile.checkOntology(ontology);
            List<String> lines = new ArrayList<String>();
            for (OWLProfileViolation v : report.getViolations()) {
                lines.add("  " + v.toString().replaceAll("\\s+", " ").trim());
            }
            Collections.sort(lines);
            System.out.println("PROFILE " + args[i] + ": " + lines.size() + " violation(s)");
            for (String line : lines) {
                System.out.println(line);
            }
            ok &= lines.isEmpty();
        }
        System.exit(ok ? 0 : 1);
    }
}

/* Ends a template instantiation begun by tmpl_on_d.h or tmpl_on_mp.h. */
#undef TF
#undef TT
#undef TS
#undef TR
#undef TRC
#undef TRS
